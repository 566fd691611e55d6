package dev.preflight.data.load;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CoderResult;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;

/**
 * How a CSV file is written: its text encoding, cell separator and decimal mark, as given in the registration or
 * sniffed from the file. Real exports differ exactly there: Excel writes a BOM and CRLF, Excel in a German or French
 * locale writes {@code ;} and {@code 7,4}, UCI writes {@code ;}, psql writes tabs, some tools write {@code |}.
 * The quote is always {@code "} with {@code ""} inside quotes (RFC 4180, what every one of those tools writes).
 */
final class CsvDialect {

    /** Separators tried when the registration names none, in order of preference on a tie. */
    static final char[] SEPARATORS = {',', ';', '\t', '|'};
    /** Records looked at to sniff the separator and decimal mark: enough to see a pattern, cheap on a big file. */
    static final int SNIFF_RECORDS = 50;

    private static final byte[] UTF8_BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    private CsvDialect() {
    }

    /** The decoded text (without a BOM) and how it was decoded, e.g. "UTF-8 with BOM". */
    record Text(String text, String encoding, String note) {
    }

    /**
     * Decodes the file. With {@code encoding} null: a UTF-8 or UTF-16 BOM decides; else strict UTF-8, and when the
     * bytes are not valid UTF-8, windows-1252 (what Excel on Windows writes as "CSV"), said in {@link Text#note()}.
     *
     * @throws LoadException for an unknown charset name, or bytes that are not valid in the given charset
     */
    static Text decode(byte[] bytes, String encoding, String shown) {
        if (encoding != null) {
            Charset cs;
            try {
                cs = Charset.forName(encoding.trim());
            } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
                throw new LoadException("csv: encoding '" + encoding + "' is not a charset this JVM knows (e.g. UTF-8, windows-1252, ISO-8859-1)");
            }
            try {
                return new Text(stripBom(strict(cs, bytes, 0)), cs.name(), null);
            } catch (BadBytes e) {
                throw new LoadException("csv: " + shown + " is not valid " + cs.name() + " (the registration's encoding): "
                        + e.getMessage());
            }
        }
        if (startsWith(bytes, UTF8_BOM)) {
            try {
                return new Text(strict(StandardCharsets.UTF_8, bytes, 3), "UTF-8 with BOM", null);
            } catch (BadBytes e) {
                throw new LoadException("csv: " + shown + " starts with a UTF-8 BOM but is not valid UTF-8; set encoding");
            }
        }
        if (startsWith(bytes, new byte[]{(byte) 0xFF, (byte) 0xFE}) || startsWith(bytes, new byte[]{(byte) 0xFE, (byte) 0xFF})) {
            // Excel's "Unicode Text": UTF-16 with a BOM, which the UTF-16 decoder reads and drops.
            return new Text(new String(bytes, StandardCharsets.UTF_16), "UTF-16 with BOM", null);
        }
        try {
            return new Text(strict(StandardCharsets.UTF_8, bytes, 0), "UTF-8", null);
        } catch (BadBytes e) {
            return new Text(new String(bytes, Charset.forName("windows-1252")), "windows-1252",
                    "the bytes are not valid UTF-8 (" + e.getMessage() + "): read as windows-1252; set encoding if that is wrong");
        }
    }

    /** Bytes that are not valid in a charset; the offset is what lets a user find the cell. */
    private static final class BadBytes extends Exception {
        BadBytes(long offset) {
            super("first bad byte at offset " + offset, null, false, false);
        }
    }

    private static String strict(Charset cs, byte[] bytes, int offset) throws BadBytes {
        CharsetDecoder d = cs.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes, offset, bytes.length - offset);
        CharBuffer out = CharBuffer.allocate((int) Math.ceil(bytes.length * (double) d.maxCharsPerByte()) + 1);
        CoderResult r = d.decode(in, out, true);
        if (r.isError()) {
            throw new BadBytes(in.position());
        }
        r = d.flush(out);
        if (r.isError()) {
            throw new BadBytes(in.position());
        }
        return out.flip().toString();
    }

    private static String stripBom(String s) {
        return s.startsWith("\uFEFF") ? s.substring(1) : s;
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        if (bytes.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (bytes[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** Commons CSV's reading of our dialect: cells are split, unquoted and stripped of surrounding spaces. */
    static CSVFormat format(char separator) {
        return CSVFormat.DEFAULT.builder()
                .setDelimiter(separator)
                .setQuote('"')
                // Blank lines come back as one empty cell and are dropped by the caller: their line numbers then stay exact.
                .setIgnoreEmptyLines(false)
                .setIgnoreSurroundingSpaces(true)
                .get();
    }

    /**
     * The registration's separator: one character, or "tab".
     *
     * @throws LoadException for anything else, or the quote character
     */
    static char separatorOption(String option) {
        String s = option.equalsIgnoreCase("tab") || option.equals("\\t") ? "\t" : option;
        if (s.length() != 1 || s.charAt(0) == '"' || s.charAt(0) == '\n' || s.charAt(0) == '\r') {
            throw new LoadException("csv: separator '" + option + "' must be one character (other than a quote or line end) or \"tab\"");
        }
        return s.charAt(0);
    }

    /** How a sniffed separator reads the start of the file. */
    private record Candidate(char separator, int columns, double consistent, double numeric, int preference) {
    }

    /**
     * The separator that splits the first {@value #SNIFF_RECORDS} records into the same number (above one) of cells,
     * quotes respected. On a tie (a {@code ;} file whose every row has the same number of decimal commas splits
     * consistently at {@code ,} too) the one whose cells read as numbers wins, then the one giving more columns.
     * A file no separator splits consistently gets the most consistent one, so its ragged row is reported.
     *
     * @return the separator, ',' when none splits the file into more than one column
     */
    static char sniffSeparator(String text) {
        List<Candidate> candidates = new ArrayList<>();
        for (int p = 0; p < SEPARATORS.length; p++) {
            char sep = SEPARATORS[p];
            List<String[]> sample;
            try {
                sample = sample(text, sep, SNIFF_RECORDS);
            } catch (UncheckedIOException | IllegalStateException e) {
                continue; // quotes that do not balance with this separator: not it
            }
            if (sample.isEmpty()) {
                continue;
            }
            int[] counts = sample.stream().mapToInt(r -> r.length).toArray();
            int mode = mode(counts);
            if (mode < 2) {
                continue;
            }
            long same = java.util.Arrays.stream(counts).filter(c -> c == mode).count();
            int cells = 0;
            int numeric = 0;
            TableNumbers numbers = new TableNumbers(sep == ',' ? '.' : ',', TableNumbers.DEFAULT_MISSING);
            TableNumbers points = new TableNumbers('.', TableNumbers.DEFAULT_MISSING);
            for (String[] r : sample) {
                for (String c : r) {
                    cells++;
                    if (points.isNumber(c) || numbers.isNumber(c) || points.isMissing(c)) {
                        numeric++;
                    }
                }
            }
            candidates.add(new Candidate(sep, mode, (double) same / counts.length, (double) numeric / cells, p));
        }
        return candidates.stream()
                .max(Comparator.comparingDouble(Candidate::consistent)
                        .thenComparingDouble(Candidate::numeric)
                        .thenComparingInt(Candidate::columns)
                        .thenComparing(Comparator.comparingInt(Candidate::preference).reversed()))
                .map(Candidate::separator)
                .orElse(',');
    }

    /**
     * The decimal mark: '.' with a ',' separator; else ',' when more sampled cells are written like {@code 7,4} than
     * like {@code 7.4} (integers say nothing either way).
     */
    static char sniffDecimal(List<String[]> sample, char separator) {
        if (separator == ',') {
            return '.';
        }
        int comma = 0;
        int point = 0;
        for (String[] r : sample) {
            for (String c : r) {
                if (TableNumbers.hasCommaDecimal(c)) {
                    comma++;
                } else if (TableNumbers.hasPointDecimal(c)) {
                    point++;
                }
            }
        }
        return comma > point ? ',' : '.';
    }

    /**
     * The registration's decimal mark.
     *
     * @throws LoadException for anything but "." or ",", or "," with a "," separator
     */
    static char decimalOption(String option, char separator) {
        String d = option.trim();
        if (!d.equals(".") && !d.equals(",")) {
            throw new LoadException("csv: decimal '" + option + "' must be \".\" or \",\"");
        }
        if (d.equals(",") && separator == ',') {
            throw new LoadException("csv: decimal \",\" needs a separator other than \",\" (set separator, e.g. \";\")");
        }
        return d.charAt(0);
    }

    /** The first {@code max} non-blank records, split with {@code separator}. */
    static List<String[]> sample(String text, char separator, int max) {
        List<String[]> out = new ArrayList<>();
        try (CSVParser p = CSVParser.parse(new StringReader(text), format(separator))) {
            Iterator<CSVRecord> it = p.iterator();
            while (out.size() < max && it.hasNext()) {
                String[] cells = it.next().values();
                if (!blank(cells)) {
                    out.add(cells);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** A blank line, or a row of separators only (Excel writes those below a table it once formatted). */
    static boolean blank(String[] cells) {
        for (String c : cells) {
            if (!c.isBlank()) {
                return false;
            }
        }
        return true;
    }

    private static int mode(int[] counts) {
        java.util.Map<Integer, Integer> freq = new java.util.HashMap<>();
        int best = 0;
        int bestFreq = 0;
        for (int c : counts) {
            int f = freq.merge(c, 1, Integer::sum);
            if (f > bestFreq || (f == bestFreq && c > best)) {
                best = c;
                bestFreq = f;
            }
        }
        return best;
    }

    /** "CRLF", "LF", "CR" or a mix, for the notes: the first thing to check when a file came from another system. */
    static String lineEnds(String text) {
        int crlf = 0;
        int lf = 0;
        int cr = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\r') {
                if (i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    crlf++;
                    i++;
                } else {
                    cr++;
                }
            } else if (c == '\n') {
                lf++;
            }
        }
        List<String> kinds = new ArrayList<>();
        if (crlf > 0) {
            kinds.add("CRLF");
        }
        if (lf > 0) {
            kinds.add("LF");
        }
        if (cr > 0) {
            kinds.add("CR");
        }
        return kinds.isEmpty() ? "none" : String.join("+", kinds);
    }

    /** Start offset of every physical line (after CRLF, LF or CR): maps a record's character position to its line. */
    static int[] lineStarts(String text) {
        List<Integer> starts = new ArrayList<>();
        starts.add(0);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                i++;
                starts.add(i + 1);
            } else if (c == '\r' || c == '\n') {
                starts.add(i + 1);
            }
        }
        return starts.stream().mapToInt(Integer::intValue).toArray();
    }

    /** 1-based line of a character offset, given {@link #lineStarts}. */
    static int lineOf(int[] lineStarts, long offset) {
        int i = java.util.Arrays.binarySearch(lineStarts, (int) offset);
        return (i >= 0 ? i : -i - 2) + 1;
    }
}
