package dev.preflight.report;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.preflight.ladder.Leaderboard;
import dev.preflight.ladder.StageArtifacts;
import dev.preflight.recipe.Report;
import io.quarkus.qute.Engine;
import io.quarkus.qute.HtmlEscaper;
import io.quarkus.qute.RawString;
import io.quarkus.qute.ReflectionValueResolver;
import io.quarkus.qute.TemplateLocator;
import io.quarkus.qute.Variant;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * report.html: one self-contained page, rendered from the Qute templates under {@code templates/}: per stage its
 * verdict, evidence and findings, and interactive charts (ECharts, from its WebJar, inlined so the file works offline
 * and alone): loss curves per stage and role, data wait vs compute, the confusion matrix with class names, the
 * data-check's class histogram and feature ranges, the ablation leaderboard's seed bands; the prediction dynamics on
 * the fixed val batch and the preview images as they were.
 *
 * <p>The charts' data travels as JSON in a {@code <script type="application/json">} block that report.js reads; the
 * JSON escapes {@code <}, {@code >} and {@code &}, so no dataset or class name can end the block.
 */
public final class ReportHtml {

    /** Shared with {@link LiveHtml}: the same templates directory, escaping and strictness. */
    static final Engine ENGINE = Engine.builder().addDefaults().addValueResolver(new ReflectionValueResolver())
            .addResultMapper(new HtmlEscaper(List.of(Variant.TEXT_HTML))).addLocator(ReportHtml::locate)
            .removeStandaloneLines(true).strictRendering(true).build();
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private ReportHtml() {
    }

    public static Path write(Report report, Map<String, StageArtifacts> artifacts, Leaderboard leaderboard, Path dir) {
        try {
            String html = render(report, artifacts, leaderboard); // before the temp file: a failed render leaves none
            Files.createDirectories(dir);
            Path target = dir.resolve("report.html").toAbsolutePath();
            Path tmp = Files.createTempFile(dir, "report", ".html.tmp");
            Files.writeString(tmp, html, StandardCharsets.UTF_8);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            ReportWriter.readableByAll(target);
            return target;
        } catch (IOException e) {
            throw new IllegalStateException("cannot write report.html to " + dir + ": " + e.getMessage(), e);
        }
    }

    public static String render(Report report, Map<String, StageArtifacts> artifacts, Leaderboard leaderboard) {
        PageBuilder.Built built = PageBuilder.build(report, artifacts, leaderboard);
        return ENGINE.getTemplate("report.html").data("page", built.page())
                .data("data", new RawString(json(Map.of("charts", built.charts()))))
                .data("style", new RawString(Assets.STYLE)).data("script", new RawString(Assets.SCRIPT))
                .data("common", new RawString(Assets.COMMON)).data("echarts", new RawString(Assets.ECHARTS)).render();
    }

    /** JSON that is safe between {@code <script>} tags: every {@code <}, {@code >}, {@code &} as a \\u escape. */
    static String json(Object value) {
        try {
            StringWriter out = new StringWriter();
            try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
                g.setCharacterEscapes(HtmlSafeEscapes.INSTANCE);
                JSON.writeValue(g, value);
            }
            return out.toString();
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the report's chart data: " + e.getMessage(), e);
        }
    }

    private static final class HtmlSafeEscapes extends CharacterEscapes {
        static final HtmlSafeEscapes INSTANCE = new HtmlSafeEscapes();
        private final int[] escapes = CharacterEscapes.standardAsciiEscapesForJSON();

        private HtmlSafeEscapes() {
            for (char c : new char[]{'<', '>', '&', '\''}) {
                escapes[c] = CharacterEscapes.ESCAPE_STANDARD;
            }
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return escapes;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            // U+2028 and U+2029 end a line in older JavaScript; escape them as well.
            return ch == 0x2028 || ch == 0x2029 ? new SerializedString(String.format("\\u%04x", ch)) : null;
        }
    }

    /** Templates and the page's own CSS and JS from this module's resources. */
    private static Optional<TemplateLocator.TemplateLocation> locate(String id) {
        String path = "templates/" + id + (id.endsWith(".html") ? "" : ".html");
        if (ReportHtml.class.getClassLoader().getResource(path) == null) {
            return Optional.empty();
        }
        String content = Assets.text(path);
        return Optional.of(new TemplateLocator.TemplateLocation() {
            @Override
            public Reader read() {
                return new StringReader(content);
            }

            @Override
            public Optional<Variant> getVariant() {
                return Optional.of(Variant.forContentType(Variant.TEXT_HTML));
            }
        });
    }

    /** What the page inlines: its stylesheet, its script, and ECharts from the WebJar. */
    static final class Assets {
        static final String STYLE = text("report/report.css");
        static final String SCRIPT = text("report/report.js");
        /** What report.js and live.js share (the error box, number formatting), inlined before either. */
        static final String COMMON = text("report/common.js");
        static final String ECHARTS = echarts();

        private Assets() {
        }

        static String text(String resource) {
            try (InputStream in = ReportHtml.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException(resource + " is not on the class path");
                }
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + resource, e);
            }
        }

        /**
         * The minified build the ECharts WebJar carries, unpacked into report/echarts/ at build time (see the pom). It
         * must not be able to end its script element.
         */
        private static String echarts() {
            String js = text("report/echarts/echarts.min.js");
            String lower = js.toLowerCase(java.util.Locale.ROOT);
            if (lower.contains("</script") || lower.contains("<!--")) {
                throw new IllegalStateException("echarts.min.js contains </script or <!--: it cannot be inlined as it is");
            }
            return js;
        }
    }
}
