package dev.preflight.data.load;

import java.math.BigDecimal;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Numbers as a table means them. {@link Float#parseFloat} is a Java-literal parser: it takes {@code 1f}, {@code 1d},
 * {@code 0x1p3}, {@code Infinity}, {@code NaN} and surrounding whitespace, none of which a spreadsheet or a pandas
 * export writes as a number. Here a number is an optional sign, digits with at most one decimal mark (either side may
 * be empty, not both) and an optional exponent: {@code 12}, {@code -3.5}, {@code +0.5}, {@code .5}, {@code 1e-3},
 * {@code 1E5}, and with a decimal comma {@code 7,4}. Thousands separators are never guessed: {@code 1,000} with a
 * decimal comma is one point zero, and with a decimal point it is not a number.
 */
public final class TableNumbers {

    /** What a missing cell looks like when the registration does not say: R, pandas, Excel, SQL dumps, UCI files. */
    public static final List<String> DEFAULT_MISSING = List.of("", "NA", "N/A", "NaN", "null", "None", "?", "#N/A", "-", "\\N");

    private static final Pattern POINT = Pattern.compile("[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?");
    private static final Pattern COMMA = Pattern.compile("[+-]?(?:\\d+(?:,\\d*)?|,\\d+)(?:[eE][+-]?\\d+)?");

    private final char decimal;
    private final List<String> missing;

    /**
     * @param decimal       '.' or ','
     * @param missingTokens cell texts that mean "missing", compared trimmed and case-insensitively; the empty cell is
     *                      always missing (it cannot be a number or a meaningful category)
     * @throws IllegalArgumentException for a decimal mark other than '.' or ','
     */
    public TableNumbers(char decimal, List<String> missingTokens) {
        if (decimal != '.' && decimal != ',') {
            throw new IllegalArgumentException("decimal mark must be '.' or ',', was '" + decimal + "'");
        }
        this.decimal = decimal;
        this.missing = missingTokens.stream().map(String::trim).toList();
    }

    public char decimal() {
        return decimal;
    }

    /** Whether a (trimmed) cell means "no value". */
    public boolean isMissing(String cell) {
        String t = cell.trim();
        if (t.isEmpty()) {
            return true;
        }
        for (String m : missing) {
            if (m.equalsIgnoreCase(t)) {
                return true;
            }
        }
        return false;
    }

    /** Whether a (trimmed) cell is a number in this table's notation; a missing-value token never is. */
    public boolean isNumber(String cell) {
        String t = cell.trim();
        return !isMissing(t) && (decimal == '.' ? POINT : COMMA).matcher(t).matches();
    }

    /**
     * The cell as float32, or NaN when it is not a number in this table's notation (missing tokens included). A number
     * beyond float32's range comes back infinite, for the caller to refuse by name.
     */
    public float parse(String cell) {
        String t = cell.trim();
        if (!isNumber(t)) {
            return Float.NaN;
        }
        return Float.parseFloat(decimal == ',' ? t.replace(',', '.') : t);
    }

    /**
     * A numeric label in canonical form, so that the classes a tool meant are the classes we see: {@code 5},
     * {@code 5.0} (pandas, after a NaN made the column float) and {@code 05} are all "5"; {@code 2.50} is "2.5".
     *
     * @throws IllegalArgumentException when the cell is not a number
     */
    public String canonical(String cell) {
        String t = cell.trim();
        if (!isNumber(t)) {
            throw new IllegalArgumentException("not a number: '" + cell + "'");
        }
        BigDecimal v = value(t).stripTrailingZeros();
        return v.signum() == 0 ? "0" : v.toPlainString();
    }

    /** Exact value of a number cell (for ordering numeric classes); the cell must satisfy {@link #isNumber}. */
    public BigDecimal value(String cell) {
        // BigDecimal reads every form the pattern admits ("+5", "5.", ".5", "1E5") once the mark is a point.
        String t = cell.trim().replace(',', '.');
        return new BigDecimal(t);
    }

    /** Whether a cell is written with this decimal mark (not just digits): evidence for sniffing the notation. */
    static boolean hasPointDecimal(String cell) {
        String t = cell.trim();
        return t.indexOf('.') >= 0 && POINT.matcher(t).matches();
    }

    /** See {@link #hasPointDecimal}. */
    static boolean hasCommaDecimal(String cell) {
        String t = cell.trim();
        return t.indexOf(',') >= 0 && COMMA.matcher(t).matches();
    }
}
