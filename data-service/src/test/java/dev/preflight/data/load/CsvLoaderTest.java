package dev.preflight.data.load;

import dev.preflight.data.model.Dataset;
import dev.preflight.data.model.Skipped;
import dev.preflight.wire.DType;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CSV loader on files written byte for byte as real tools export them: Excel (UTF-8 with BOM, and a German locale),
 * UCI, pandas, R, MySQL, tab- and pipe-separated files, windows-1252, quoted cells, the penguins layout.
 */
class CsvLoaderTest extends DataRootTest {


    /** The CSV options of a registration; null = the documented default. */
    private static final class Opts {
        String labelColumn;
        Boolean header;
        String separator;
        String decimal;
        String encoding;
        List<String> missingValues;
        String missing;
        String categorical;
        List<String> ignoreColumns;
        String featureScaling;

        Opts label(String l) {
            labelColumn = l;
            return this;
        }

        Registration reg(String path) {
            return new Registration("t", "csv", path, null, null, null, labelColumn, header, null, null, separator, decimal,
                    encoding, missingValues, missing, categorical, ignoreColumns, featureScaling, null);
        }
    }

    private static Opts opts() {
        return new Opts();
    }

    private Dataset load(String file, String content, Opts o) throws Exception {
        return load(file, content.getBytes(StandardCharsets.UTF_8), o);
    }

    private Dataset load(String file, byte[] content, Opts o) throws Exception {
        Files.write(rootDir.resolve(file), content);
        return CsvLoader.load("t", root.resolve(file), o.reg(file), root);
    }

    private LoadException refused(String file, String content, Opts o) throws Exception {
        Files.write(rootDir.resolve(file), content.getBytes(StandardCharsets.UTF_8));
        return assertThrows(LoadException.class, () -> CsvLoader.load("t", root.resolve(file), o.reg(file), root));
    }

    private static float[] features(Dataset d, int sample) {
        float[] f = new float[d.sampleShape()[0]];
        ByteBuffer.wrap(d.sample(sample)).asFloatBuffer().get(f);
        return f;
    }

    private static List<String> sources(Dataset d) {
        List<String> s = new ArrayList<>();
        for (int i = 0; i < d.size(); i++) {
            s.add(d.source(i));
        }
        return s;
    }

    private static List<String> skippedFiles(Dataset d) {
        return d.skipped().stream().map(Skipped::file).toList();
    }

    private static void assertMessage(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), "'" + p + "' not in: " + message);
        }
    }

    private static void assertNote(Dataset d, String... parts) {
        assertTrue(d.notes().stream().anyMatch(n -> Arrays.stream(parts).allMatch(n::contains)),
                Arrays.toString(parts) + " not in one note of " + d.notes());
    }

    private static byte[] concat(byte[]... parts) {
        int n = Arrays.stream(parts).mapToInt(p -> p.length).sum();
        ByteBuffer b = ByteBuffer.allocate(n);
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }

    // ---- moved from LoadersTest -------------------------------------------------------------------------------

    @Test
    void csvWithHeaderAndNamedLabelColumnTravelsAsFloat32() throws Exception {
        Dataset d = load("t.csv", "x,species,y\n0.5,cat,1.5\n-1,dog,2\n\n3,cat,NA\n4,dog,4e1\n", opts().label("species"));
        assertEquals(DType.FLOAT32, d.dtype());
        assertEquals(3, d.size(), "the NA row is skipped");
        assertEquals(List.of("cat", "dog"), d.classNames());
        assertArrayEquals(new int[]{2}, d.sampleShape());
        assertArrayEquals(new float[]{4f, 40f}, features(d, 2));
        assertEquals(1, d.label(2));
        assertEquals(1, d.skipped().size());
        assertEquals("t.csv:5", d.skipped().get(0).file());
        assertMessage(d.skipped().get(0).reason(), "'y'", "'NA'");
        assertEquals(List.of("t.csv:2", "t.csv:3", "t.csv:6"), sources(d), "physical lines, the blank line counted");
        assertEquals(List.of("x", "y"), d.featureNames());
        assertEquals(Dataset.FeatureScaling.STANDARDIZE, d.featureScaling());
    }

    @Test
    void csvWithoutHeaderTakesTheLabelByIndexAndSortsNumericClasses() throws Exception {
        Dataset d = load("n.csv", "10,1,2\n2,3,4\n10,5,6\n", opts().label("0"));
        assertEquals(3, d.size(), "a numeric first row is data, not a header");
        assertEquals(List.of("2", "10"), d.classNames(), "numeric order, not text order");
        assertEquals(1, d.label(0));
        assertEquals(0, d.label(1));
        assertEquals(List.of("column 1", "column 2"), d.featureNames());
        assertNote(d, "no header row (sniffed)");
    }

    @Test
    void raggedCsvNamesTheLine() throws Exception {
        LoadException e = refused("r.csv", "a,b,label\n1,2,0\n3,4,1\n5,0\n", opts());
        assertMessage(e.getMessage(), "r.csv line 4", "2 cells", "line 1 has 3", "ragged");
    }

    // ---- real exports -----------------------------------------------------------------------------------------

    @Test
    void excelCsvUtf8HasABomAndCrlfLineEnds() throws Exception {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        String body = "Länge,Breite,Art\r\n1.5,2,Katze\r\n2.5,3,Hund\r\n\r\n3.5,4,Katze\r\n";
        Dataset d = load("excel.csv", concat(bom, body.getBytes(StandardCharsets.UTF_8)), opts());
        assertEquals(3, d.size());
        assertEquals(List.of("Länge", "Breite"), d.featureNames(), "no BOM glued to the first name");
        assertEquals(List.of("Hund", "Katze"), d.classNames());
        assertArrayEquals(new float[]{3.5f, 4f}, features(d, 2));
        assertEquals(List.of("excel.csv:2", "excel.csv:3", "excel.csv:5"), sources(d));
        assertNote(d, "UTF-8 with BOM", "separator ',' (sniffed)", "header row (sniffed)", "line ends CRLF");
    }

    @Test
    void excelInAGermanLocaleWritesSemicolonsAndDecimalCommas() throws Exception {
        String body = "Länge;Breite;Klasse\r\n7,4;0,7;a\r\n-1,25;,5;b\r\n3;1e-3;a\r\n";
        Dataset d = load("de.csv", body, opts());
        assertEquals(3, d.size());
        assertArrayEquals(new float[]{7.4f, 0.7f}, features(d, 0));
        assertArrayEquals(new float[]{-1.25f, 0.5f}, features(d, 1));
        assertArrayEquals(new float[]{3f, 0.001f}, features(d, 2));
        assertNote(d, "separator ';' (sniffed)", "decimal ',' (sniffed)");
    }

    @Test
    void aSemicolonFileWithDecimalCommasIsNotReadAsCommaSeparated() throws Exception {
        // Split at ',', every row has 3 cells too; only ';' makes every cell a number.
        Dataset d = load("fr.csv", "7,4;0,7;1\n7,8;0,88;2\n6,1;0,5;1\n", opts());
        assertEquals(List.of("column 0", "column 1"), d.featureNames());
        assertArrayEquals(new float[]{7.8f, 0.88f}, features(d, 1));
        assertEquals(List.of("1", "2"), d.classNames());
    }

    @Test
    void uciWineQualityLayoutQuotedHeaderSemicolonsAndSixClasses() throws Exception {
        String header = "\"fixed acidity\";\"volatile acidity\";\"citric acid\";\"residual sugar\";\"chlorides\";"
                + "\"free sulfur dioxide\";\"total sulfur dioxide\";\"density\";\"pH\";\"sulphates\";\"alcohol\";\"quality\"\n";
        String body = header
                + "7.4;0.7;0;1.9;0.076;11;34;0.9978;3.51;0.56;9.4;5\n"
                + "7.8;0.88;0;2.6;0.098;25;67;0.9968;3.2;0.68;9.8;5\n"
                + "11.2;0.28;0.56;1.9;0.075;17;60;0.998;3.16;0.58;9.8;6\n"
                + "7.4;0.7;0;1.9;0.076;11;34;0.9978;3.51;0.56;9.4;5\n"
                + "7.9;0.6;0.06;1.6;0.069;15;59;0.9964;3.3;0.46;9.4;3\n"
                + "7.3;0.65;0;1.2;0.065;15;21;0.9946;3.39;0.47;10;4\n"
                + "7.8;0.58;0.02;2;0.073;9;18;0.9968;3.36;0.57;9.5;7\n"
                + "7.5;0.5;0.36;6.1;0.071;17;102;0.9978;3.35;0.8;10.5;8\n";
        Dataset d = load("winequality-red.csv", body, opts().label("quality"));
        assertEquals(8, d.size());
        assertEquals(11, d.sampleShape()[0]);
        assertEquals("fixed acidity", d.featureNames().get(0), "quotes are not part of the name");
        assertEquals("alcohol", d.featureNames().get(10));
        assertEquals(List.of("3", "4", "5", "6", "7", "8"), d.classNames());
        assertArrayEquals(new int[]{1, 1, 3, 1, 1, 1}, d.classHistogram());
        assertEquals(0.9978f, features(d, 0)[7]);
        assertEquals(d.contentGroups()[0], d.contentGroups()[3], "the repeated row is kept, and is a duplicate");
        assertNote(d, "separator ';' (sniffed)", "decimal '.' (sniffed)");
        assertEquals("label: 'quality' (labelColumn); 6 classes: 3, 4, 5, 6, 7, 8", d.notes().get(0));
        // The same file without a label column: the default (the last column) is named, so nobody trains on it unawares.
        assertEquals("label: 'quality' (the last column, by default: set labelColumn to choose another); 6 classes: 3, 4, 5, 6, 7, 8",
                load("winequality-white.csv", body, opts()).notes().get(0));
        assertTrue(load("winequality-pink.csv", body, opts().label("QUALITY")).notes().get(0)
                .startsWith("label: 'quality' (labelColumn 'QUALITY', matched ignoring case)"));
    }

    @Test
    void pandasToCsvIndexColumnEmptyCellsForNaNAndFloatLabels() throws Exception {
        // df.to_csv("iris.csv"): the index first, under an empty header cell; NaN as an empty cell; a label column
        // with a NaN is float, so its classes come out as 0.0, 1.0, 2.0.
        String body = ",sepal_length,sepal_width,target\n"
                + "0,5.1,3.5,0.0\n"
                + "1,4.9,,0.0\n"
                + "2,6.3,3.3,2.0\n"
                + "3,5.8,2.7,\n"
                + "4,7.1,3.0,1.0\n";
        Dataset d = load("iris.csv", body, opts());
        assertEquals(List.of("sepal_length", "sepal_width"), d.featureNames(), "the index is not a feature");
        assertNote(d, "column 0 looks like a pandas index", "ignored");
        assertEquals(List.of("0", "1", "2"), d.classNames(), "5.0 is class 5");
        assertEquals(3, d.size());
        assertEquals(List.of("iris.csv:3", "iris.csv:5"), skippedFiles(d));
        assertEquals("column 'sepal_width' is empty", d.skipped().get(0).reason());
        assertEquals("label column 'target' is empty", d.skipped().get(1).reason());
        assertArrayEquals(new float[]{7.1f, 3.0f}, features(d, 2));
        assertEquals(1, d.label(2));

        Opts impute = opts();
        impute.missing = "impute";
        Dataset i = load("iris.csv", body, impute);
        assertEquals(4, i.size(), "the row without a label is still skipped");
        assertEquals(List.of("iris.csv:5"), skippedFiles(i));
        assertEquals(4.9f, features(i, 1)[0]);
        assertTrue(Float.isNaN(features(i, 1)[1]), "a missing number is NaN, for the train mean to replace");
    }

    @Test
    void numericLabelsAreTheClassesTheToolMeant() throws Exception {
        Dataset d = load("l.csv", "x,y\n1,5\n2,5.0\n3,05\n4,10\n5,+2.50\n6,2.5\n", opts());
        assertEquals(List.of("2.5", "5", "10"), d.classNames());
        assertArrayEquals(new int[]{2, 3, 1}, d.classHistogram());

        Dataset t = load("t.csv", "x,y\n1, b \n2,\"a\"\n3,B\n4,10\n", opts());
        assertEquals(List.of("10", "B", "a", "b"), t.classNames(), "text labels: trimmed, unquoted, sorted as text");
    }

    @Test
    void rWriteCsvRowNamesQuotedStringsAndNA() throws Exception {
        // write.csv(df): row names first under "", strings quoted, NA unquoted (and a quoted "NA" is missing too).
        String body = "\"\",\"Sepal.Length\",\"Species\",\"Colour\"\n"
                + "\"1\",5.1,\"setosa\",\"red\"\n"
                + "\"2\",NA,\"setosa\",\"blue\"\n"
                + "\"3\",6.3,\"virginica\",NA\n"
                + "\"4\",5.8,\"versicolor\",\"red\"\n"
                + "\"5\",4.7,\"setosa\",\"NA\"\n";
        Dataset d = load("r.csv", body, opts().label("Species"));
        assertNote(d, "column 0 looks like R's row names", "ignored");
        assertEquals(List.of("Sepal.Length", "Colour=blue", "Colour=red"), d.featureNames());
        assertEquals(List.of("setosa", "versicolor"), d.classNames());
        assertEquals(List.of("r.csv:3", "r.csv:4", "r.csv:6"), skippedFiles(d));
        assertEquals("column 'Sepal.Length' is missing ('NA')", d.skipped().get(0).reason());
        assertEquals("column 'Colour' is missing ('NA')", d.skipped().get(1).reason());
        assertArrayEquals(new float[]{5.8f, 0f, 1f}, features(d, 1));

        Opts impute = opts().label("Species");
        impute.missing = "impute";
        Dataset i = load("r.csv", body, impute);
        assertEquals(5, i.size());
        assertEquals(List.of("setosa", "versicolor", "virginica"), i.classNames());
        assertArrayEquals(new float[]{6.3f, 0f, 0f}, features(i, 2), "a missing category is all zeros");
        assertTrue(Float.isNaN(features(i, 1)[0]));
        assertEquals(1f, features(i, 1)[1]);
    }

    @Test
    void mysqlIntoOutfileIsTabSeparatedWithBackslashNForNull() throws Exception {
        // SELECT ... INTO OUTFILE: tabs, LF, no header, NULL as \N.
        Dataset d = load("dump.tsv", "5.1\t3.5\t0\n4.9\t\\N\t0\n6.3\t3.3\t1\n", opts());
        assertEquals(2, d.size());
        assertEquals(List.of("dump.tsv:2"), skippedFiles(d));
        assertEquals("column 'column 1' is missing ('\\N')", d.skipped().get(0).reason());
        assertNote(d, "separator tab (sniffed)", "no header row (sniffed)");
    }

    @Test
    void psqlCopyCsvWritesEmptyCellsForNull() throws Exception {
        // \copy (SELECT ...) TO 'x.csv' CSV HEADER: NULL is an empty unquoted cell.
        Dataset d = load("pg.csv", "a,b,kind\n1.5,,x\n2.5,0.5,y\n3,1,x\n", opts());
        assertEquals(2, d.size());
        assertEquals(List.of("pg.csv:2"), skippedFiles(d));
    }

    @Test
    void tabSeparatedFileWithCommasInsideText() throws Exception {
        Dataset d = load("t.tsv", "place\tx\tlabel\nParis, France\t1\ta\nLyon, France\t2\tb\nParis, France\t3\ta\n", opts());
        assertEquals(List.of("place=Lyon, France", "place=Paris, France", "x"), d.featureNames());
        assertArrayEquals(new float[]{0f, 1f, 3f}, features(d, 2));
    }

    @Test
    void pipeSeparatedFile() throws Exception {
        Dataset d = load("p.txt", "a|b|label\n1|2|x\n3|4|y\n", opts());
        assertEquals(2, d.size());
        assertArrayEquals(new float[]{3f, 4f}, features(d, 1));
        assertNote(d, "separator '|' (sniffed)");
    }

    @Test
    void windows1252BytesAreReadAsWindows1252AndSaidSo() throws Exception {
        // "café" as Excel "CSV (comma delimited)" writes it on Windows: é is the single byte 0xE9.
        byte[] body = concat("drink,price,label\ncaf".getBytes(StandardCharsets.US_ASCII), new byte[]{(byte) 0xE9},
                ",2.5,hot\ntea,2,hot\nsoda,1.5,cold\n".getBytes(StandardCharsets.US_ASCII));
        Dataset d = load("w.csv", body, opts());
        assertEquals(List.of("drink=café", "drink=soda", "drink=tea", "price"), d.featureNames());
        assertNote(d, "not valid UTF-8", "windows-1252");
        assertNote(d, "read as windows-1252");

        Opts latin = opts();
        latin.encoding = "ISO-8859-1";
        assertEquals("drink=café", load("w.csv", body, latin).featureNames().get(0));
        latin.encoding = "UTF-8";
        assertMessage(assertThrows(LoadException.class, () -> load("w.csv", body, latin)).getMessage(),
                "w.csv is not valid UTF-8", "offset 21");
    }

    @Test
    void quotedCellsMayHoldTheSeparatorQuotesAndLineBreaks() throws Exception {
        String body = "note,x,label\r\n"
                + "\"hello, world\",1.5,a\r\n"
                + "\"two\r\nlines\",2.5,b\r\n"
                + "\"say \"\"hi\"\"\",3.5,a\r\n"
                + "\"hello, world\",4.5,b\r\n";
        Dataset d = load("q.csv", body, opts());
        assertEquals(4, d.size(), "not ragged: a quoted separator is inside one cell");
        assertEquals(List.of("note=hello, world", "note=say \"hi\"", "note=two\r\nlines", "x"), d.featureNames());
        assertEquals(List.of("q.csv:2", "q.csv:3", "q.csv:5", "q.csv:6"), sources(d), "a record's first physical line");
    }

    @Test
    void penguinsLayoutLabelFirstTextColumnsAndNA() throws Exception {
        String body = "species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year\n"
                + "Adelie,Torgersen,39.1,18.7,181,3750,male,2007\n"
                + "Adelie,Torgersen,NA,NA,NA,NA,NA,2007\n"
                + "Gentoo,Biscoe,46.1,13.2,211,4500,female,2007\n"
                + "Chinstrap,Dream,46.5,17.9,192,3500,female,2007\n"
                + "Adelie,Torgersen,34.1,18.1,193,3475,NA,2007\n";
        Dataset d = load("penguins.csv", body, opts().label("species"));
        assertEquals(List.of("island=Biscoe", "island=Dream", "island=Torgersen", "bill_length_mm", "bill_depth_mm",
                "flipper_length_mm", "body_mass_g", "sex=female", "sex=male", "year"), d.featureNames());
        assertEquals(List.of("Adelie", "Chinstrap", "Gentoo"), d.classNames());
        assertEquals(3, d.size());
        assertArrayEquals(new float[]{1, 0, 0, 46.1f, 13.2f, 211, 4500, 1, 0, 2007}, features(d, 1));
        assertEquals(List.of("penguins.csv:3", "penguins.csv:6"), skippedFiles(d));
        assertEquals("column 'bill_length_mm' is missing ('NA'); column 'bill_depth_mm' is missing ('NA'); "
                + "column 'flipper_length_mm' is missing ('NA'); and 2 more", d.skipped().get(0).reason());
        assertEquals("column 'sex' is missing ('NA')", d.skipped().get(1).reason());
        assertTrue(d.notes().stream().noneMatch(n -> n.contains("rows skipped")), "2 of 5 is not most: " + d.notes());
    }

    // ---- numbers and cells -------------------------------------------------------------------------------------

    @Test
    void numbersAreReadAsATableMeansThem() {
        TableNumbers point = new TableNumbers('.', TableNumbers.DEFAULT_MISSING);
        for (String yes : List.of("12", "-3.5", "+0.5", ".5", "5.", "1e-3", "1E5", " 7 ")) {
            assertTrue(point.isNumber(yes), yes);
        }
        for (String no : List.of("1f", "1d", "0x1p3", "Infinity", "-Infinity", "NaN", " NaN", "1,000", "7,4", "1.2.3",
                "12abc", "$5", "e5", ".", "-", "1e", "")) {
            assertFalse(point.isNumber(no), no);
        }
        assertEquals(-3.5f, point.parse("-3.5"));
        assertEquals(1e5f, point.parse("1E5"));
        assertTrue(Float.isNaN(point.parse("1f")));
        assertTrue(Float.isInfinite(point.parse("1e39")), "beyond float32: for the loader to refuse");

        TableNumbers comma = new TableNumbers(',', TableNumbers.DEFAULT_MISSING);
        assertEquals(7.4f, comma.parse("7,4"));
        assertEquals(0.5f, comma.parse(",5"));
        assertFalse(comma.isNumber("7.4"), "one decimal mark per table");
        assertFalse(comma.isNumber("1.000,5"), "thousands separators are not guessed");

        for (String missing : List.of("", "  ", "NA", "na", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None", "?", "#N/A", "-", "\\N", " NA ")) {
            assertTrue(point.isMissing(missing), missing);
        }
        assertEquals("5", point.canonical("5.0"));
        assertEquals("5", point.canonical("05"));
        assertEquals("0", point.canonical("-0.0"));
        assertEquals("1000", point.canonical("1e3"));
    }

    @Test
    void aFewJunkCellsInANumericColumnAreSkippedRowsNotCategories() throws Exception {
        Opts impute = opts();
        impute.missing = "impute";
        Dataset d = load("j.csv", "a,b,label\n1,2,x\n3,abc,y\n5,6,x\n7,1f,y\n9,0x1p3,x\n11,Infinity,y\n13,1e39,x\n15,8,y\n", impute);
        assertEquals(List.of("a", "b"), d.featureNames(), "b stays numeric");
        assertEquals(3, d.size());
        assertEquals(List.of("j.csv:3", "j.csv:5", "j.csv:6", "j.csv:7", "j.csv:8"), skippedFiles(d));
        assertEquals("column 'b' value 'abc' is not a number", d.skipped().get(0).reason());
        assertEquals("column 'b' value '1f' is not a number", d.skipped().get(1).reason());
        assertEquals("column 'b' value '1e39' is outside float32's range", d.skipped().get(4).reason());
        assertNote(d, "5 of 8 rows skipped", "column 'b' causes most skips (5)");
    }

    @Test
    void aTextColumnIsOneHotEncodedOrRefusedByName() throws Exception {
        String body = "color,size,label\nred,1,a\nblue,2,b\nred,3,a\n";
        Dataset d = load("c.csv", body, opts());
        assertEquals(List.of("color=blue", "color=red", "size"), d.featureNames());
        assertArrayEquals(new float[]{0, 1, 3}, features(d, 2));

        Opts refuse = opts();
        refuse.categorical = "refuse";
        assertMessage(refused("c.csv", body, refuse).getMessage(), "c.csv column 'color' is text", "'red' on line 2",
                "categorical is refuse", "ignoreColumns");
    }

    @Test
    void aTextColumnWithTooManyValuesIsRefusedUnlessIgnored() throws Exception {
        StringBuilder b = new StringBuilder("customer_id,x,label\n");
        for (int i = 0; i < 60; i++) {
            b.append("C-").append(1000 + i).append(',').append(i).append(',').append(i % 2).append('\n');
        }
        assertMessage(refused("ids.csv", b.toString(), opts()).getMessage(), "ids.csv column 'customer_id'",
                "60 distinct values", "more than 50", "list it in ignoreColumns");

        Opts ignore = opts();
        ignore.ignoreColumns = List.of("customer_id");
        Dataset d = load("ids.csv", b.toString(), ignore);
        assertEquals(List.of("x"), d.featureNames());
        assertEquals(60, d.size());
        ignore.ignoreColumns = List.of("0");
        assertEquals(List.of("x"), load("ids.csv", b.toString(), ignore).featureNames(), "by index too");
    }

    @Test
    void customMissingValuesAndCrOnlyLineEnds() throws Exception {
        Opts o = opts();
        o.missingValues = List.of("missing");
        // Old Mac Excel ends lines with CR alone. With its own missing list, "NA" is no longer missing: a bad cell.
        Dataset d = load("mac.csv", "a,b,label\r1,missing,x\r2,NA,y\r3,4,x\r5,6,y\r", o);
        assertEquals(2, d.size());
        assertEquals(List.of("mac.csv:2", "mac.csv:3"), skippedFiles(d));
        assertEquals("column 'b' is missing ('missing')", d.skipped().get(0).reason());
        assertEquals("column 'b' value 'NA' is not a number", d.skipped().get(1).reason());
        assertEquals(List.of("mac.csv:4", "mac.csv:5"), sources(d));
        assertNote(d, "line ends CR");
    }

    @Test
    void registrationOptionsOverrideTheSniffing() throws Exception {
        Opts o = opts();
        o.header = false;
        o.separator = ";";
        o.decimal = ",";
        o.featureScaling = "none";
        o.labelColumn = "2";
        Dataset d = load("o.csv", "1,5;2;x\n3;4;y\n", o);
        assertEquals(2, d.size());
        assertArrayEquals(new float[]{1.5f, 2f}, features(d, 0));
        assertEquals(Dataset.FeatureScaling.NONE, d.featureScaling());
        assertNote(d, "separator ';',", "decimal ','", "no header row,");

        o.separator = "tab";
        o.labelColumn = "1";
        Dataset t = load("o.tsv", "a\tb\n1\tx\n2\ty\n", o);
        assertEquals(2, t.size());
        assertEquals(List.of("o.tsv:1"), skippedFiles(t), "header false: the first row is data, with a bad cell");
        assertEquals(List.of("x", "y"), t.classNames());
    }

    @Test
    void aRowWithAMissingLabelIsSkippedAndListed() throws Exception {
        Dataset d = load("m.csv", "a,label\n1,x\n2,NA\n3,y\n4,\n", opts());
        assertEquals(2, d.size());
        assertEquals(List.of("m.csv:3", "m.csv:5"), skippedFiles(d));
        assertEquals("label column 'label' is missing ('NA')", d.skipped().get(0).reason());
    }

    @Test
    void moreThanHalfSkippedNamesTheWorstColumn() throws Exception {
        Dataset d = load("h.csv", "a,b,c,label\n1,NA,1,x\n2,NA,2,y\n3,NA,NA,x\n4,5,6,y\n", opts());
        assertEquals(1, d.size());
        assertNote(d, "3 of 4 rows skipped", "column 'b' causes most skips (3)", "missing=impute");
    }

    @Test
    void aColumnWithoutAnyValueIsIgnoredNotASkipForEveryRow() throws Exception {
        Dataset d = load("nv.csv", "a,b,label\n1,NA,x\n2,?,y\n", opts());
        assertEquals(2, d.size());
        assertEquals(List.of("a"), d.featureNames());
        assertNote(d, "column 'b' has no value in any row: ignored");
    }

    // ---- refusals ----------------------------------------------------------------------------------------------

    @Test
    void refusalsNameTheFileTheLineTheColumnAndTheFix() throws Exception {
        assertMessage(refused("e.csv", "", opts()).getMessage(), "csv: e.csv is empty");
        assertMessage(refused("e2.csv", "\n\r\n  \n", opts()).getMessage(), "csv: e2.csv is empty");
        assertMessage(refused("one.csv", "a b label\n1 2 x\n3 4 y\n", opts()).getMessage(),
                "one.csv has 1 column", "sniffed separator ','", "tried , ; tab |", "set separator");
        Opts semi = opts();
        semi.separator = ";";
        assertMessage(refused("one.csv", "a,b,label\n1,2,x\n", semi).getMessage(), "1 column", "given separator ';'");
        assertMessage(refused("u.csv", "a,b,label\n1,2,x\n", opts().label("class")).getMessage(),
                "labelColumn 'class' is not in the header of u.csv: [a, b, label]");
        assertMessage(refused("u.csv", "a,b,label\n1,2,x\n", opts().label("3")).getMessage(),
                "labelColumn 3 is outside the 3 columns of u.csv");
        Opts ignore = opts();
        ignore.ignoreColumns = List.of("nope");
        assertMessage(refused("u.csv", "a,b,label\n1,2,x\n", ignore).getMessage(), "ignoreColumns 'nope' is not in the header");
        assertMessage(refused("nv.csv", "a,b,label\n1,NA,x\n2,?,y\nNA,4,NA\n", opts()).getMessage(),
                "nv.csv has no valid row (3 skipped; column 'b' causes most skips (2); first: nv.csv:2: column 'b' is missing ('NA'))");
        assertMessage(refused("h.csv", "a,b,label\n", opts()).getMessage(), "h.csv has no valid row (only the header, line 1)");
        assertMessage(refused("rq.csv", "a,b,label\n1,\"2,x\n3,4,y\n", opts()).getMessage(), "rq.csv cannot be split into cells");
        // A quoted separator is one cell, so this ragged row is counted right: 4 cells, not 5.
        assertMessage(refused("rg.csv", "a,b,label\n1,2,x\n1,\"2,5\",x,y\n", opts()).getMessage(),
                "rg.csv line 3 has 4 cells, line 1 has 3 (ragged row; separator ',')");

        Opts bad = opts();
        bad.featureScaling = "minmax";
        assertMessage(refused("ok.csv", "a,label\n1,x\n", bad).getMessage(), "featureScaling 'minmax' is unknown", "standardize", "none");
        bad = opts();
        bad.missing = "drop";
        assertMessage(refused("ok.csv", "a,label\n1,x\n", bad).getMessage(), "missing 'drop' is unknown");
        bad = opts();
        bad.categorical = "label";
        assertMessage(refused("ok.csv", "a,label\n1,x\n", bad).getMessage(), "categorical 'label' is unknown");
        bad = opts();
        bad.separator = ";;";
        assertMessage(refused("ok.csv", "a,label\n1,x\n", bad).getMessage(), "separator ';;' must be one character");
        bad = opts();
        bad.decimal = ",";
        assertMessage(refused("ok.csv", "a,label\n1,x\n", bad).getMessage(), "decimal \",\" needs a separator other than \",\"");
        bad = opts();
        bad.encoding = "klingon";
        assertMessage(refused("ok.csv", "a,label\n1,x\n", bad).getMessage(), "encoding 'klingon'");
        bad = opts().label("a");
        bad.header = false;
        assertMessage(refused("ok.csv", "a,label\n1,x\n", bad).getMessage(), "labelColumn 'a' is a name, but header is false");
    }

    // ---- the real file (CI only) -------------------------------------------------------------------------------

    /**
     * Palmer penguins from ../shared/datasets (relative to the repository root). CI only:
     * {@code ./mvnw -B -pl data-service verify -Preal-data}.
     */
    @Test
    @Tag("real-data")
    void realPenguins() {
        // Surefire runs in the module directory; the repository root is its parent.
        Path datasets = Path.of("").toAbsolutePath().getParent().resolve("../shared/datasets").normalize();
        DataRoot real = new DataRoot(datasets);
        Registration skip = new Registration("penguins", "csv", "penguins/penguins.csv", null, null, null, "species", null, null, null);
        Dataset d = CsvLoader.load("penguins", real.resolve(skip.path()), skip, real);

        assertEquals(List.of("Adelie", "Chinstrap", "Gentoo"), d.classNames());
        assertEquals(List.of("island=Biscoe", "island=Dream", "island=Torgersen", "bill_length_mm", "bill_depth_mm",
                "flipper_length_mm", "body_mass_g", "sex=female", "sex=male", "year"), d.featureNames());
        // 344 rows, 11 with an NA (2 without measurements, 9 more without sex): 6 Adelie, 5 Gentoo.
        assertEquals(333, d.size());
        assertArrayEquals(new int[]{152 - 6, 68, 124 - 5}, d.classHistogram());
        assertEquals(List.of(5, 10, 11, 12, 13, 49, 180, 220, 258, 270, 273), d.skipped().stream()
                .map(s -> Integer.parseInt(s.file().substring(s.file().lastIndexOf(':') + 1))).toList());
        assertEquals("penguins/penguins.csv:2", d.source(0));
        assertArrayEquals(new float[]{0, 0, 1, 39.1f, 18.7f, 181, 3750, 0, 1, 2007}, features(d, 0));

        Registration impute = new Registration("penguins", "csv", "penguins/penguins.csv", null, null, null, "species", null,
                null, null, null, null, null, null, "impute", null, null, null, null);
        Dataset i = CsvLoader.load("penguins", real.resolve(impute.path()), impute, real);
        assertEquals(344, i.size());
        assertArrayEquals(new int[]{152, 68, 124}, i.classHistogram());
        assertEquals(0, i.skipped().size());
        float[] noMeasurements = features(i, 3); // line 5: Adelie,Torgersen,NA,NA,NA,NA,NA,2007
        assertEquals(1f, noMeasurements[2]);
        assertTrue(Float.isNaN(noMeasurements[3]) && Float.isNaN(noMeasurements[6]));
        assertEquals(0f, noMeasurements[7] + noMeasurements[8], "no sex: all zeros");
        assertEquals(2007f, noMeasurements[9]);
    }
}
