package dev.preflight.report;

import io.quarkus.qute.RawString;

import java.time.Duration;

/**
 * The live page the gateway serves at {@code /} (templates/live.html): experiments, runs, ablation trials and per-step
 * curves, filled in the browser from the gateway's REST API and its per-run server-sent events by
 * {@code report/live.js}. Same look and chart library as report.html: report.css plus {@code report/live.css}, and
 * ECharts from its WebJar, inlined, so the page needs nothing but the gateway.
 */
public final class LiveHtml {

    /** How often the page re-reads the run and experiment lists (the curves do not wait for it: they stream). */
    public static final Duration REFRESH = Duration.ofSeconds(1);

    private static final String LIVE_STYLE = ReportHtml.Assets.text("report/live.css");
    private static final String LIVE_SCRIPT = ReportHtml.Assets.text("report/live.js");

    /** What the template shows besides the assets. */
    public record Page(long refreshMs, long refreshSeconds) {
    }

    private LiveHtml() {
    }

    /** The page; the same for every request (everything that changes is fetched by its script). */
    public static String render() {
        return ReportHtml.ENGINE.getTemplate("live.html")
                .data("page", new Page(REFRESH.toMillis(), Math.max(1, REFRESH.toSeconds())))
                .data("style", new RawString(ReportHtml.Assets.STYLE)).data("liveStyle", new RawString(LIVE_STYLE))
                .data("script", new RawString(LIVE_SCRIPT)).data("common", new RawString(ReportHtml.Assets.COMMON))
                .data("echarts", new RawString(ReportHtml.Assets.ECHARTS))
                .render();
    }
}
