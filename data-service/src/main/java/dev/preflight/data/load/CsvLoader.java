package dev.preflight.data.load;

import dev.preflight.data.model.Dataset;
import dev.preflight.data.model.Skipped;
import dev.preflight.wire.DType;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Tabular data as real tools export it: one sample per record, one label column, every other column a float32 feature
 * (numbers) or a one-hot block (text). Parsed with Apache Commons CSV, so quoted cells may hold the separator, quotes
 * ({@code ""}) and line breaks.
 *
 * <p>What the registration leaves out is sniffed (see {@link CsvDialect}): encoding (UTF-8 with or without BOM, UTF-16
 * with BOM, else windows-1252), separator among {@code , ; tab |}, decimal mark, and whether the first row is a header.
 * What was sniffed, and anything else the loader decided on its own (an ignored index column, an empty column), is in
 * {@link Dataset#notes()}.
 *
 * <ul>
 *   <li>A <b>ragged</b> row (another cell count than the first row) is an error naming its line: a shifted column would
 *       silently corrupt every feature after it.</li>
 *   <li>A row with a <b>missing</b> feature ({@link TableNumbers#DEFAULT_MISSING}) is skipped and listed with its line
 *       and column ({@code missing=skip}), or kept with NaN / an all-zero one-hot block ({@code missing=impute}).</li>
 *   <li>A row with a <b>non-number</b> in a numeric column (a few {@code abc} among numbers) is skipped and listed
 *       whatever {@code missing} says: it is a broken cell, not a category.</li>
 *   <li>A row with a missing label is skipped and listed.</li>
 * </ul>
 * Classes are the distinct labels, as the exporting tool meant them: numeric labels are compared as numbers
 * ({@code 5}, {@code 5.0}, {@code 05} are class "5") and sorted numerically; text labels are sorted as text.
 */
public final class CsvLoader {

    /** More distinct values than this in a text column is an id or free text, not a category. */
    static final int MAX_CATEGORIES = 50;
    /** Reasons listed per skipped row before "and N more": a row of ten NA cells needs no ten-part reason. */
    private static final int MAX_PROBLEMS = 3;
    private static final Pattern DIGITS = Pattern.compile("\\d+");

    private CsvLoader() {
    }

    /** A non-blank record and the physical line it starts on (1-based, line breaks inside quotes counted). */
    private record Row(String[] cells, int line) {
    }

    /** A feature column: numeric (one feature) or text (one feature per category, sorted). */
    private record Column(int index, String name, List<String> categories) {
        boolean numeric() {
            return categories == null;
        }

        int width() {
            return numeric() ? 1 : categories.size();
        }
    }

    /**
     * Loads a CSV file as a float32 tabular dataset.
     *
     * @param name the dataset name
     * @param file the CSV file (resolved under the data root)
     * @param r    the registration: label column, header, dialect and missing-value options
     * @param root the data root, for the file names shown in messages and sources
     * @return the samples, with sources ("file.csv:LINE"), feature names, feature scaling, skipped rows and notes
     * @throws LoadException when the file is not a usable table: not a file, unreadable, empty, one column, a ragged
     *                       row, an unbalanced quote, an unknown labelColumn or ignoreColumns entry, a text column
     *                       refused ({@code categorical=refuse}, or more than {@value #MAX_CATEGORIES} values), no
     *                       valid row, or an invalid option value
     */
    public static Dataset load(String name, Path file, Registration r, DataRoot root) {
        String shown = root.show(file);
        // Options first: a typo in one should not wait for a large file to be read.
        boolean impute = choice("missing", r.missing(), "skip", "skip", "impute").equals("impute");
        boolean refuseText = choice("categorical", r.categorical(), "onehot", "onehot", "refuse").equals("refuse");
        Dataset.FeatureScaling scaling = choice("featureScaling", r.featureScaling(), "standardize", "standardize", "none")
                .equals("none") ? Dataset.FeatureScaling.NONE : Dataset.FeatureScaling.STANDARDIZE;
        Character givenSeparator = r.separator() == null ? null : CsvDialect.separatorOption(r.separator());

        if (!Files.isRegularFile(file)) {
            throw new LoadException("csv: '" + shown + "' must be a file");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new LoadException("csv: cannot read " + shown + ": " + e.getMessage(), e);
        }
        CsvDialect.Text text = CsvDialect.decode(bytes, r.encoding(), shown);
        if (text.text().isBlank()) {
            throw new LoadException("csv: " + shown + " is empty");
        }
        List<String> notes = new ArrayList<>();
        if (text.note() != null) {
            notes.add(text.note());
        }

        char sep = givenSeparator != null ? givenSeparator : CsvDialect.sniffSeparator(text.text());
        List<Row> rows = records(text.text(), sep, shown);
        if (rows.isEmpty()) {
            throw new LoadException("csv: " + shown + " is empty");
        }
        int columns = rows.get(0).cells().length;
        if (columns < 2) {
            throw new LoadException("csv: " + shown + " has 1 column with the " + (givenSeparator != null ? "given" : "sniffed")
                    + " separator " + show(sep) + (givenSeparator != null ? "" : " (tried , ; tab |)")
                    + "; it needs at least one feature and the label: set separator in the registration if the file uses another");
        }
        for (Row row : rows) {
            if (row.cells().length != columns) {
                throw new LoadException("csv: " + shown + " line " + row.line() + " has " + row.cells().length + " cells, line "
                        + rows.get(0).line() + " has " + columns + " (ragged row; separator " + show(sep) + ")");
            }
        }

        char decimal = r.decimal() != null ? CsvDialect.decimalOption(r.decimal(), sep)
                : CsvDialect.sniffDecimal(rows.subList(1, Math.min(rows.size(), CsvDialect.SNIFF_RECORDS + 1))
                .stream().map(Row::cells).toList(), sep);
        TableNumbers numbers = new TableNumbers(decimal, r.missingValues() != null ? r.missingValues() : TableNumbers.DEFAULT_MISSING);

        boolean labelByName = r.labelColumn() != null && !r.labelColumn().isBlank() && !DIGITS.matcher(r.labelColumn().trim()).matches();
        if (labelByName && Boolean.FALSE.equals(r.header())) {
            throw new LoadException("csv: labelColumn '" + r.labelColumn() + "' is a name, but header is false; give its 0-based index");
        }
        boolean header = r.header() != null ? r.header() : labelByName || looksLikeHeader(rows, numbers);
        String[] names = new String[columns];
        for (int c = 0; c < columns; c++) {
            String given = header ? rows.get(0).cells()[c].trim() : "";
            names[c] = given.isEmpty() ? "column " + c : given;
        }
        List<Row> data = header ? rows.subList(1, rows.size()) : rows;
        if (data.isEmpty()) {
            throw new LoadException("csv: " + shown + " has no valid row (only the header, line " + rows.get(0).line() + ")");
        }
        notes.add("read as " + text.encoding() + ", separator " + show(sep) + (givenSeparator != null ? "" : " (sniffed)")
                + ", decimal '" + decimal + "'" + (r.decimal() != null ? "" : " (sniffed)")
                + (header ? ", header row" : ", no header row") + (r.header() != null || labelByName ? "" : " (sniffed)")
                + ", line ends " + CsvDialect.lineEnds(text.text()));

        int label = column("labelColumn", r.labelColumn(), names, header, shown);
        boolean[] ignored = new boolean[columns];
        for (String spec : r.ignoreColumns() == null ? List.<String>of() : r.ignoreColumns()) {
            int c = column("ignoreColumns", spec, names, header, shown);
            if (c == label) {
                throw new LoadException("csv: ignoreColumns names the label column " + quoted(names[c]) + " of " + shown);
            }
            ignored[c] = true;
        }
        if (header && label != 0 && !ignored[0] && rows.get(0).cells()[0].isBlank()) {
            String index = indexColumn(data);
            if (index != null) {
                ignored[0] = true;
                notes.add("column 0 looks like " + index + ": ignored");
            }
        }

        List<Column> features = new ArrayList<>();
        for (int c = 0; c < columns; c++) {
            if (c == label || ignored[c]) {
                continue;
            }
            Column col = classify(c, names[c], data, numbers, refuseText, shown);
            if (col == null) {
                notes.add("column " + quoted(names[c]) + " has no value in any row: ignored");
            } else {
                features.add(col);
            }
        }
        if (features.isEmpty()) {
            throw new LoadException("csv: " + shown + " has no feature column left besides the label " + quoted(names[label]));
        }
        int width = features.stream().mapToInt(Column::width).sum();

        List<Skipped> skipped = new ArrayList<>();
        Map<String, Integer> blame = new LinkedHashMap<>();
        List<float[]> kept = new ArrayList<>();
        List<String> labelText = new ArrayList<>();
        List<String> sources = new ArrayList<>();
        for (Row row : data) {
            List<String> problems = new ArrayList<>();
            List<String> culprits = new ArrayList<>();
            String labelCell = row.cells()[label].trim();
            if (numbers.isMissing(labelCell)) {
                problems.add("label " + missingText(names[label], labelCell));
                culprits.add(names[label]);
            }
            float[] f = new float[width];
            int k = 0;
            for (Column col : features) {
                String cell = row.cells()[col.index()].trim();
                if (numbers.isMissing(cell)) {
                    if (impute) {
                        if (col.numeric()) {
                            f[k] = Float.NaN; // the data-service fills in the train split's mean
                        } // a missing category: the block stays all zeros
                    } else {
                        problems.add(missingText(col.name(), cell));
                        culprits.add(col.name());
                    }
                } else if (col.numeric()) {
                    float v = numbers.parse(cell);
                    if (Float.isNaN(v)) {
                        problems.add("column " + quoted(col.name()) + " value '" + cell + "' is not a number");
                        culprits.add(col.name());
                    } else if (Float.isInfinite(v)) {
                        problems.add("column " + quoted(col.name()) + " value '" + cell + "' is outside float32's range");
                        culprits.add(col.name());
                    } else {
                        f[k] = v;
                    }
                } else {
                    f[k + col.categories().indexOf(cell)] = 1f;
                }
                k += col.width();
            }
            if (!problems.isEmpty()) {
                String reason = String.join("; ", problems.subList(0, Math.min(MAX_PROBLEMS, problems.size())))
                        + (problems.size() > MAX_PROBLEMS ? "; and " + (problems.size() - MAX_PROBLEMS) + " more" : "");
                skipped.add(new Skipped(shown + ":" + row.line(), reason));
                culprits.forEach(c -> blame.merge(c, 1, Integer::sum));
                continue;
            }
            kept.add(f);
            labelText.add(labelCell);
            sources.add(shown + ":" + row.line());
        }
        String worst = blame.entrySet().stream().max(Map.Entry.comparingByValue())
                .map(e -> "column " + quoted(e.getKey()) + " causes most skips (" + e.getValue() + ")").orElse("");
        if (kept.isEmpty()) {
            throw new LoadException("csv: " + shown + " has no valid row (" + skipped.size() + " skipped; " + worst + "; first: "
                    + skipped.get(0).file() + ": " + skipped.get(0).reason() + ")");
        }
        if (skipped.size() * 2 > data.size()) {
            notes.add(skipped.size() + " of " + data.size() + " rows skipped; " + worst
                    + (impute ? "" : ": use missing=impute, or list it in ignoreColumns"));
        }

        List<String> classNames = classes(labelText, numbers);
        Map<String, Integer> classIndex = new HashMap<>();
        for (int i = 0; i < classNames.size(); i++) {
            classIndex.put(classNames.get(i), i);
        }
        boolean numericLabels = labelText.stream().allMatch(numbers::isNumber);
        int[] labels = new int[kept.size()];
        ByteBuffer out = ByteBuffer.allocate(Math.multiplyExact(kept.size(), width * 4));
        for (int i = 0; i < labels.length; i++) {
            labels[i] = classIndex.get(numericLabels ? numbers.canonical(labelText.get(i)) : labelText.get(i));
            for (float v : kept.get(i)) {
                out.putFloat(v);
            }
        }
        List<String> featureNames = new ArrayList<>(width);
        for (Column col : features) {
            if (col.numeric()) {
                featureNames.add(col.name());
            } else {
                col.categories().forEach(v -> featureNames.add(col.name() + "=" + v));
            }
        }
        // Say which column is the label: a defaulted last column (penguins' "year") trains happily on the wrong target.
        String labelName = header ? names[label] : "column " + label;
        String how = r.labelColumn() == null || r.labelColumn().isBlank() ? "the last column, by default: set labelColumn to choose another"
                : header && !names[label].equals(r.labelColumn().trim()) ? "labelColumn '" + r.labelColumn().trim() + "', matched ignoring case"
                : "labelColumn";
        notes.add(0, "label: " + quoted(labelName) + " (" + how + "); " + classNames.size() + " classes: "
                + String.join(", ", classNames.subList(0, Math.min(8, classNames.size()))) + (classNames.size() > 8 ? ", …" : ""));
        return new Dataset(name, new int[]{width}, DType.FLOAT32, classNames.size(), labels, out.array(), null, classNames, skipped)
                .withSources(sources)
                .withFeatureNames(featureNames)
                .withFeatureScaling(scaling)
                .withNotes(notes);
    }

    /** Every non-blank record, with the physical line it starts on. */
    private static List<Row> records(String text, char sep, String shown) {
        int[] lineStarts = CsvDialect.lineStarts(text);
        List<Row> rows = new ArrayList<>();
        try (CSVParser p = CSVParser.parse(new StringReader(text), CsvDialect.format(sep))) {
            try {
                for (CSVRecord rec : p) {
                    String[] cells = rec.values();
                    if (!CsvDialect.blank(cells)) {
                        rows.add(new Row(cells, CsvDialect.lineOf(lineStarts, rec.getCharacterPosition())));
                    }
                }
            } catch (UncheckedIOException | IllegalStateException e) {
                // An unbalanced quote, or text after a closing quote: nothing after it can be trusted to line up.
                int line = rows.isEmpty() ? 1 : rows.get(rows.size() - 1).line() + 1;
                throw new LoadException("csv: " + shown + " cannot be split into cells at or after line " + line
                        + " (separator " + show(sep) + "): " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
            }
        } catch (IOException e) {
            throw new LoadException("csv: cannot read " + shown + ": " + e.getMessage(), e);
        }
        return rows;
    }

    /**
     * A header is a first row with a non-number where the column below holds numbers. When no column holds numbers (an
     * all-text table) it is a header unless one of its cells recurs below it in its column, as a value would.
     */
    private static boolean looksLikeHeader(List<Row> rows, TableNumbers numbers) {
        String[] first = rows.get(0).cells();
        List<Row> next = rows.subList(1, Math.min(rows.size(), CsvDialect.SNIFF_RECORDS + 1));
        int header = 0;
        int data = 0;
        for (int c = 0; c < first.length; c++) {
            int present = 0;
            int numeric = 0;
            for (Row row : next) {
                String cell = row.cells()[c];
                if (!numbers.isMissing(cell)) {
                    present++;
                    numeric += numbers.isNumber(cell) ? 1 : 0;
                }
            }
            if (present == 0 || numeric * 2 < present) {
                continue;
            }
            if (numbers.isNumber(first[c])) {
                data++;
            } else if (!numbers.isMissing(first[c])) {
                header++;
            }
        }
        if (header + data > 0) {
            return header > data;
        }
        for (int c = 0; c < first.length; c++) {
            for (Row row : next) {
                if (row.cells()[c].trim().equals(first[c].trim())) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * What an unnamed first column of strictly increasing integers is: an index, never a feature (it would let a
     * network learn the row order). pandas writes 0, 1, 2, ... (with gaps after filtering); R's write.csv 1, 2, 3, ...
     *
     * @return a description for the notes, or null when the column is not an index
     */
    private static String indexColumn(List<Row> data) {
        long previous = -1;
        long first = -1;
        for (Row row : data) {
            String cell = row.cells()[0].trim();
            if (!DIGITS.matcher(cell).matches() || cell.length() > 18) {
                return null;
            }
            long v = Long.parseLong(cell);
            if (v <= previous) {
                return null;
            }
            if (first < 0) {
                first = v;
            }
            previous = v;
        }
        return first == 1 ? "R's row names (write.csv: no header name, values 1, 2, 3, ...)"
                : "a pandas index (no header name, values 0, 1, 2, ...)";
    }

    /**
     * A feature column's kind: numeric unless most of its present cells are not numbers. A few non-numbers among
     * numbers are broken cells (their rows are skipped), not categories.
     *
     * @return null for a column without any value
     */
    private static Column classify(int c, String name, List<Row> data, TableNumbers numbers, boolean refuseText, String shown) {
        int present = 0;
        int numeric = 0;
        TreeSet<String> values = new TreeSet<>();
        Row firstText = null;
        for (Row row : data) {
            String cell = row.cells()[c].trim();
            if (numbers.isMissing(cell)) {
                continue;
            }
            present++;
            if (numbers.isNumber(cell)) {
                numeric++;
            } else if (firstText == null) {
                firstText = row;
            }
            values.add(cell);
        }
        if (present == 0) {
            return null;
        }
        if (numeric * 2 >= present) {
            return new Column(c, name, null);
        }
        if (refuseText) {
            throw new LoadException("csv: " + shown + " column " + quoted(name) + " is text (e.g. '" + firstText.cells()[c].trim()
                    + "' on line " + firstText.line() + ") and categorical is refuse: list it in ignoreColumns, or use categorical onehot");
        }
        if (values.size() > MAX_CATEGORIES) {
            throw new LoadException("csv: " + shown + " column " + quoted(name) + " is text with " + values.size()
                    + " distinct values, more than " + MAX_CATEGORIES + " to one-hot encode (e.g. '" + firstText.cells()[c].trim()
                    + "' on line " + firstText.line() + "): probably an id or free text; list it in ignoreColumns");
        }
        return new Column(c, name, List.copyOf(values));
    }

    /** Class names: canonical numbers sorted numerically when every label is a number, else the texts sorted. */
    private static List<String> classes(List<String> labelText, TableNumbers numbers) {
        if (labelText.stream().allMatch(numbers::isNumber)) {
            TreeSet<String> canonical = new TreeSet<>(Comparator.comparing(BigDecimal::new));
            labelText.forEach(s -> canonical.add(numbers.canonical(s)));
            return new ArrayList<>(canonical);
        }
        return new ArrayList<>(new TreeSet<>(labelText));
    }

    /**
     * A column named by a registration option: a 0-based index, or a header name (exact, else case-insensitive).
     * A null or blank labelColumn is the last column.
     */
    private static int column(String option, String spec, String[] names, boolean header, String shown) {
        if (spec == null || spec.isBlank()) {
            return names.length - 1;
        }
        String s = spec.trim();
        if (DIGITS.matcher(s).matches()) {
            int index = s.length() > 9 ? Integer.MAX_VALUE : Integer.parseInt(s);
            if (index >= names.length) {
                throw new LoadException("csv: " + option + " " + s + " is outside the " + names.length + " columns of " + shown
                        + " (0-based)");
            }
            return index;
        }
        if (!header) {
            throw new LoadException("csv: " + option + " '" + s + "' is a name, but " + shown + " has no header row; give a 0-based index");
        }
        int match = -1;
        for (int c = 0; c < names.length; c++) {
            if (names[c].equals(s)) {
                return c;
            }
            if (names[c].toLowerCase(Locale.ROOT).equals(s.toLowerCase(Locale.ROOT))) {
                match = match == -1 ? c : -2;
            }
        }
        if (match >= 0) {
            return match;
        }
        throw new LoadException("csv: " + option + " '" + s + "' is not in the header of " + shown + ": " + Arrays.toString(names));
    }

    /**
     * A registration option among fixed values, case-insensitive; null is the default.
     *
     * @throws LoadException naming the option and the values it takes
     */
    private static String choice(String option, String value, String dflt, String... allowed) {
        if (value == null) {
            return dflt;
        }
        String v = value.trim().toLowerCase(Locale.ROOT);
        for (String a : allowed) {
            if (a.equals(v)) {
                return a;
            }
        }
        throw new LoadException("csv: " + option + " '" + value + "' is unknown, expected one of " + Arrays.toString(allowed));
    }

    private static String missingText(String column, String cell) {
        return "column " + quoted(column) + (cell.isEmpty() ? " is empty" : " is missing ('" + cell + "')");
    }

    private static String quoted(String name) {
        return "'" + name + "'";
    }

    private static String show(char sep) {
        return sep == '\t' ? "tab" : "'" + sep + "'";
    }
}
