package dev.preflight.data.load;

import dev.preflight.data.model.Dataset;
import dev.preflight.data.model.Skipped;
import dev.preflight.wire.DType;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * Numeric tabular data: comma-separated, one sample per line, every column but the label a float32 feature. No
 * quoting (a numeric table needs none). Blank lines are ignored.
 *
 * <ul>
 *   <li>A row with a different number of cells than the first row is an error naming its line: a ragged file is
 *       a broken export, and guessing which column moved would corrupt every feature after it.</li>
 *   <li>A row with a non-numeric (or non-finite) feature cell is skipped and listed with its line and column: a
 *       few "NA" cells are common in real tables and should not make the rest unusable, but must stay visible.</li>
 * </ul>
 * Classes are the distinct label values, sorted numerically when all are numbers, else as text; class i is named by
 * its value.
 */
public final class CsvLoader {

    private CsvLoader() {
    }

    public static Dataset load(String name, Path file, Registration r, DataRoot root) {
        String shown = root.show(file);
        if (!Files.isRegularFile(file)) {
            throw new LoadException("csv: '" + shown + "' must be a file");
        }
        List<String[]> rows = new ArrayList<>();
        List<Integer> lineNumbers = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while ((line = in.readLine()) != null) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                String[] cells = line.split(",", -1);
                for (int i = 0; i < cells.length; i++) {
                    cells[i] = cells[i].trim();
                }
                if (!rows.isEmpty() && cells.length != rows.get(0).length) {
                    throw new LoadException("csv: " + shown + " line " + n + " has " + cells.length + " cells, line "
                            + lineNumbers.get(0) + " has " + rows.get(0).length + " (ragged row)");
                }
                rows.add(cells);
                lineNumbers.add(n);
            }
        } catch (IOException e) {
            throw new LoadException("csv: cannot read " + shown + ": " + e.getMessage(), e);
        }
        if (rows.isEmpty()) {
            throw new LoadException("csv: " + shown + " is empty");
        }
        int columns = rows.get(0).length;
        if (columns < 2) {
            throw new LoadException("csv: " + shown + " has " + columns + " column; needs at least one feature and the label");
        }
        String[] first = rows.get(0);
        int labelColumn = labelColumn(r.labelColumn(), first, columns, r.header(), shown);
        boolean header = r.header() != null ? r.header() : looksLikeHeader(first, labelColumn);
        int start = header ? 1 : 0;

        List<Skipped> skipped = new ArrayList<>();
        List<float[]> features = new ArrayList<>();
        List<String> labelText = new ArrayList<>();
        for (int row = start; row < rows.size(); row++) {
            String[] cells = rows.get(row);
            float[] f = new float[columns - 1];
            String problem = null;
            for (int c = 0, k = 0; c < columns; c++) {
                if (c == labelColumn) {
                    continue;
                }
                float v = parse(cells[c]);
                if (Float.isNaN(v) || Float.isInfinite(v)) {
                    problem = "column " + (header ? "'" + first[c] + "'" : String.valueOf(c)) + " value '" + cells[c] + "' is not a finite number";
                    break;
                }
                f[k++] = v;
            }
            if (problem == null && cells[labelColumn].isEmpty()) {
                problem = "the label cell is empty";
            }
            if (problem != null) {
                skipped.add(new Skipped(shown + ":" + lineNumbers.get(row), problem));
                continue;
            }
            features.add(f);
            labelText.add(cells[labelColumn]);
        }
        if (features.isEmpty()) {
            throw new LoadException("csv: " + shown + " has no valid row" + (skipped.isEmpty() ? "" : " (" + skipped.size()
                    + " skipped, first: line " + skipped.get(0).file() + ": " + skipped.get(0).reason() + ")"));
        }
        boolean numeric = labelText.stream().allMatch(s -> !Float.isNaN(parse(s)));
        TreeSet<String> classes = new TreeSet<>(numeric
                ? Comparator.comparingDouble((String s) -> Double.parseDouble(s)).thenComparing(Comparator.naturalOrder())
                : Comparator.naturalOrder());
        classes.addAll(labelText);
        List<String> classNames = new ArrayList<>(classes);
        int[] labels = new int[features.size()];
        ByteBuffer data = ByteBuffer.allocate(features.size() * (columns - 1) * 4);
        for (int i = 0; i < labels.length; i++) {
            labels[i] = classNames.indexOf(labelText.get(i));
            for (float v : features.get(i)) {
                data.putFloat(v);
            }
        }
        return new Dataset(name, new int[]{columns - 1}, DType.FLOAT32, classNames.size(), labels, data.array(), null,
                classNames, skipped);
    }

    private static int labelColumn(String spec, String[] first, int columns, Boolean header, String shown) {
        if (spec == null || spec.isBlank()) {
            return columns - 1;
        }
        if (spec.chars().allMatch(Character::isDigit)) {
            int index = Integer.parseInt(spec);
            if (index >= columns) {
                throw new LoadException("csv: labelColumn " + index + " is outside the " + columns + " columns of " + shown);
            }
            return index;
        }
        if (Boolean.FALSE.equals(header)) {
            throw new LoadException("csv: labelColumn '" + spec + "' is a name, but header is false");
        }
        for (int c = 0; c < columns; c++) {
            if (first[c].equals(spec)) {
                return c;
            }
        }
        throw new LoadException("csv: labelColumn '" + spec + "' is not in the header of " + shown + ": " + List.of(first));
    }

    /** A header row has a non-numeric feature cell; data rows have none (a bad one is rare and gets listed anyway). */
    private static boolean looksLikeHeader(String[] first, int labelColumn) {
        for (int c = 0; c < first.length; c++) {
            if (c != labelColumn && Float.isNaN(parse(first[c]))) {
                return true;
            }
        }
        return false;
    }

    /** NaN for anything that is not a number, including the literal "NaN": a missing value is not data. */
    private static float parse(String cell) {
        if (cell.isEmpty() || cell.equalsIgnoreCase("nan")) {
            return Float.NaN;
        }
        try {
            return Float.parseFloat(cell);
        } catch (NumberFormatException e) {
            return Float.NaN;
        }
    }
}
