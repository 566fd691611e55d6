package dev.preflight.report;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * report.html in a real headless Chromium, opened from a file as a user opens it: it loads without a console error,
 * every chart container holds an ECharts instance with at least one series with data, class names label the charts,
 * the log/linear switch and the smoothing slider work, a hover shows values (and no warning), and hostile names
 * stay text.
 *
 * <p>CI only (tag "browser"; .ci/run installs Debian's chromium); DEVELOPERS.md has the command that runs it alone.
 */
@Tag("browser")
class ReportBrowserTest {

    private static final Path DIR = Path.of("target", "report-browser");
    private static Chromium browser;

    @BeforeAll
    static void start() throws Exception {
        browser = Chromium.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.close();
        }
    }

    /** Opens the outcome's report.html from disk; returns the page's session once its script says it is ready. */
    private static String open(Fixtures.Outcome o, String name) throws Exception {
        Path html = ReportHtml.write(o.report(), o.artifacts(), o.leaderboard(), DIR.resolve(name));
        String session = browser.newPage();
        browser.call(session, "Page.navigate", Chromium.params().put("url", html.toUri().toString()));
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!"true".equals(browser.eval(session, "document.body ? document.body.getAttribute('data-ready') : null").asText())) {
            assertTrue(System.nanoTime() < deadline, "report.html never became ready; problems: " + browser.problems(session));
            Thread.sleep(50);
        }
        return session;
    }

    /** Per chart container: whether ECharts drew it, its series, how many have data, and its category axes' labels. */
    private static final String CHARTS = """
            Array.from(document.querySelectorAll('.chart')).map(function (el) {
              var c = echarts.getInstanceByDom(el);
              var o = (c && c.getOption()) || {series: [], xAxis: [], yAxis: []};
              var labels = [].concat(o.xAxis || [], o.yAxis || []).map(function (a) { return a.data || []; })
                .reduce(function (a, b) { return a.concat(b); }, []);
              return {id: el.id, instance: !!c, canvas: !!el.querySelector('canvas'), width: el.clientWidth,
                series: o.series.length,
                withData: o.series.filter(function (s) { return s.data && s.data.length > 0; }).length,
                labels: labels.map(String)};
            })""";

    @Test
    void everyChartIsDrawnWithDataAndNoConsoleError() throws Exception {
        long t0 = System.nanoTime();
        String session = open(Fixtures.penguins(), "penguins");
        JsonNode charts = browser.eval(session, CHARTS);
        int expected = browser.eval(session, "Number(document.body.getAttribute('data-charts'))").asInt();
        assertTrue(expected >= 8, "charts in the sample: " + expected);
        assertEquals(expected, charts.size(), "one container per chart");
        assertEquals("", browser.eval(session, "document.getElementById('preflight-errors').textContent").asText());
        assertEquals(List.of(), browser.problems(session), "console and log errors");
        List<String> labels = new ArrayList<>();
        for (JsonNode c : charts) {
            assertTrue(c.get("instance").asBoolean() && c.get("canvas").asBoolean(), "drawn: " + c);
            assertTrue(c.get("width").asInt() > 300, "laid out: " + c);
            assertTrue(c.get("withData").asInt() >= 1, "a series with data: " + c);
            c.get("labels").forEach(l -> labels.add(l.asText()));
        }
        assertTrue(labels.containsAll(Fixtures.CLASSES), "class names on the axes: " + labels);
        System.out.printf("report.html in Chromium: %d charts ready in %d ms%n", charts.size(), (System.nanoTime() - t0) / 1_000_000);
    }

    @Test
    void theAxisSwitchTheSmoothingSliderAndAHoverWork() throws Exception {
        String session = open(Fixtures.penguins(), "controls");
        // The first loss chart with a slider: overfit-one-sample's (log by default: its train loss falls 1.06 -> 0.002).
        JsonNode r = browser.eval(session, """
                (function () {
                  var controls = Array.from(document.querySelectorAll('.controls')).filter(function (c) {
                    return c.querySelector('input[type=range]');
                  })[0];
                  var chart = echarts.getInstanceByDom(document.getElementById(controls.getAttribute('data-for')));
                  window.probed = chart;
                  var out = {before: chart.getOption().yAxis[0].type};
                  var select = controls.querySelector('select');
                  select.value = select.value === 'log' ? 'linear' : 'log';
                  select.dispatchEvent(new Event('change'));
                  out.after = chart.getOption().yAxis[0].type;
                  var raw = function () {
                    return chart.getOption().series.filter(function (s) { return /-raw$/.test(s.id); })
                      .reduce(function (n, s) { return n + s.data.length; }, 0);
                  };
                  out.rawSmoothed = raw();
                  var slider = controls.querySelector('input[type=range]');
                  slider.value = '0';
                  slider.dispatchEvent(new Event('input'));
                  out.rawUnsmoothed = raw();
                  var el = chart.getDom();
                  el.scrollIntoView();
                  var box = el.getBoundingClientRect();
                  out.x = box.left + box.width / 2;
                  out.y = box.top + box.height / 2;
                  return out;
                })()""");
        assertFalse(r.get("before").asText().equals(r.get("after").asText()), "log/linear switch: " + r);
        assertTrue(r.get("rawSmoothed").asInt() > 0 && r.get("rawUnsmoothed").asInt() == 0, "smoothing slider: " + r);
        for (int dx = -60; dx <= 60; dx += 20) {
            browser.hover(session, r.get("x").asDouble() + dx, r.get("y").asDouble());
            Thread.sleep(60);
        }
        Thread.sleep(500); // the tooltip shows after a short delay; ECharts' warnings on hover come with it
        String tooltip = browser.eval(session, "probed.getDom().innerText").asText();
        assertTrue(tooltip.contains("overfit-one-sample · train") && tooltip.contains("step"), "hover shows the values: " + tooltip);
        assertEquals(List.of(), browser.problems(session));
    }

    @Test
    void hostileNamesStayText() throws Exception {
        String session = open(Fixtures.hostile(), "hostile");
        assertEquals(3, browser.eval(session, "document.scripts.length").asInt(), "only the page's own scripts");
        assertTrue(browser.eval(session, "document.title").asText().contains("pen</script><script>alert(1)</script>"));
        JsonNode charts = browser.eval(session, CHARTS);
        List<String> labels = new ArrayList<>();
        charts.forEach(c -> c.get("labels").forEach(l -> labels.add(l.asText())));
        assertTrue(labels.contains("a</script>b") && labels.contains("<b>bold</b> & co"), labels.toString());
        assertEquals(List.of(), browser.problems(session), "no dialog, no error");
    }
}
