package dev.preflight.report;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Numbers as people read them: counts as integers, everything else at 4 significant digits (3 in exponent form for
 * the very small and the very large), a mean with its spread at the spread's precision. Never 16 digits.
 */
final class Fmt {

    static final int DIGITS = 4;
    private static final MathContext SIG = new MathContext(DIGITS, RoundingMode.HALF_UP);

    private Fmt() {
    }

    /** A number for a table cell; null (no value) as an en dash. */
    static String num(Double v) {
        if (v == null) {
            return "–";
        }
        double d = v;
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "∞" : "−∞";
        }
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d); // counts and sizes read as the integers they are
        }
        if (Math.abs(d) >= 1e5 || Math.abs(d) < 1e-3) {
            return exp(d);
        }
        return new BigDecimal(d).round(SIG).stripTrailingZeros().toPlainString();
    }

    /** 1.23e-05 style, 3 significant digits. */
    private static String exp(double d) {
        String s = String.format(Locale.ROOT, "%.2e", d); // 1.23e-05
        int e = s.indexOf('e');
        String mantissa = s.substring(0, e).replaceAll("\\.?0+$", "");
        int exponent = Integer.parseInt(s.substring(e + 1));
        return mantissa + "e" + exponent;
    }

    /**
     * A mean with its sample standard deviation: the spread at 2 significant digits and the mean to the same decimal
     * place ("0.1234 ± 0.0045"); a single value (no spread) at 4 significant digits.
     */
    static String pm(double mean, double sd) {
        if (!Double.isFinite(mean)) {
            return num(mean);
        }
        if (!Double.isFinite(sd) || sd <= 0) {
            return num(mean) + (Double.isNaN(sd) ? "" : " ± 0");
        }
        int decimals = Math.max(0, 1 - (int) Math.floor(Math.log10(sd)));
        if (decimals > 8) {
            return num(mean) + " ± " + num(sd);
        }
        return String.format(Locale.ROOT, "%." + decimals + "f ± %." + decimals + "f", mean, sd);
    }

    /**
     * A value for the page's JSON: finite numbers rounded to 4 significant digits (tooltips show what the table
     * shows, and the page stays small); non-finite ones as null, which charts draw as a gap.
     */
    static Double round(double v) {
        if (!Double.isFinite(v)) {
            return null;
        }
        if (v == 0 || v == Math.rint(v) && Math.abs(v) < 1e15) {
            return v;
        }
        return new BigDecimal(v).round(SIG).doubleValue();
    }

    /** An ablation's drawn values, e.g. "learningRate 0.00165 · hiddenUnits [32, 16] · batchNorm true". */
    static String config(Map<String, Object> values) {
        return values.entrySet().stream().map(e -> e.getKey() + " " + value(e.getValue())).collect(Collectors.joining(" · "));
    }

    private static String value(Object v) {
        if (v instanceof Double d) {
            return num(d);
        }
        if (v instanceof Float f) {
            return num(f.doubleValue());
        }
        if (v instanceof List<?> l) {
            return l.stream().map(Fmt::value).collect(Collectors.joining(", ", "[", "]"));
        }
        return String.valueOf(v); // integers, booleans, names, augmentation objects (as their JSON)
    }
}
