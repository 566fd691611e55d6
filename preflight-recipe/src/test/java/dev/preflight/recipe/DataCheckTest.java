package dev.preflight.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The data-check verdict on stats shaped exactly as the data-service answers them. */
class DataCheckTest {

    private static final DataCheck.Thresholds T = DataCheck.Thresholds.DEFAULT;

    private static JsonNode stats(String extra) throws Exception {
        String base = "{\"samples\":2000,\"numClasses\":4,\"classNames\":[\"a\",\"b\",\"c\",\"d\"],\"classHistogram\":[500,500,500,500],"
                + "\"imbalanceRatio\":1.0,\"labelProblems\":[],\"duplicates\":{\"groups\":0,\"samples\":0,\"examples\":[],\"sources\":[]},"
                + "\"conflicts\":{\"groups\":0,\"samples\":0,\"examples\":[],\"sources\":[]},"
                + "\"split\":{\"given\":false,\"description\":\"stratified\",\"trainSize\":1600,\"valSize\":400,"
                + "\"classesMissingInTrain\":[],\"classesMissingInVal\":[]},"
                + "\"leakage\":{\"samples\":0,\"examples\":[]},\"skipped\":{\"count\":0,\"files\":[]},\"ignored\":{\"count\":0,\"files\":[]},\"notes\":[]}";
        ObjectMapper m = new ObjectMapper();
        var node = (com.fasterxml.jackson.databind.node.ObjectNode) m.readTree(base);
        node.setAll((com.fasterxml.jackson.databind.node.ObjectNode) m.readTree(extra));
        return node;
    }

    private static StageResult judge(String extra) throws Exception {
        return DataCheck.judge("d", DataCheck.Stats.of(stats(extra)), T);
    }

    @Test
    void cleanDataPasses() throws Exception {
        StageResult r = judge("{}");
        assertEquals(Verdict.PASS, r.verdict(), r.summary());
        assertEquals(400.0, r.evidence().get("val_samples"));
    }

    @Test
    void aSampleFarFromItsClassMeanWarnsNamingItAndOrdinaryOutliersAreListedToLookAt() throws Exception {
        // The furthest samples of clean data (real MNIST: 1.3-2.0x the class's median distance) are listed, not judged.
        StageResult clean = judge("{\"outliers\":[{\"className\":\"a\",\"samples\":500,\"medianDistance\":20.1,\"furthest\":["
                + "{\"index\":7,\"source\":\"a/7.png\",\"distance\":40.2,\"ratio\":2.0}]}]}");
        assertEquals(Verdict.PASS, clean.verdict(), clean.summary());
        assertTrue(clean.findings().contains("furthest from their class mean (look at these first): a/7.png (a, 2.0x)"), clean.findings().toString());
        assertEquals(2.0, clean.evidence().get("max_outlier_ratio"));

        // An inverted digit is 3.5x: WARN, named.
        StageResult far = judge("{\"outliers\":[{\"className\":\"b\",\"samples\":500,\"medianDistance\":20.0,\"furthest\":["
                + "{\"index\":3,\"source\":\"b/3.png\",\"distance\":70.0,\"ratio\":3.5},"
                + "{\"index\":9,\"source\":\"b/9.png\",\"distance\":30.0,\"ratio\":1.5}]}]}");
        assertEquals(Verdict.WARN, far.verdict(), far.summary());
        assertTrue(far.findings().get(0).startsWith("1 sample further than 3.0x their class's median distance from the class mean"),
                far.findings().toString());
        assertTrue(far.findings().get(0).contains("b/3.png (b, 3.5x)") && !far.findings().get(0).contains("b/9.png"), far.findings().toString());
    }

    @Test
    void labelProblemsFailWithTheDiagnosis() throws Exception {
        StageResult r = judge("{\"labelProblems\":[\"1 of 11 classes have no samples ('0'): labels run 1..10: they look one-based\"],"
                + "\"imbalanceRatio\":null}");
        assertEquals(Verdict.FAIL, r.verdict());
        assertTrue(r.summary().contains("one-based"), r.summary());
    }

    @Test
    void duplicatesInItsOwnSplitWarnWithExamplesButLeakageInAGivenSplitFails() throws Exception {
        StageResult dup = judge("{\"duplicates\":{\"groups\":1,\"samples\":3,\"sources\":[[\"w.csv:2\",\"w.csv:9\",\"w.csv:40\"]]}}");
        assertEquals(Verdict.WARN, dup.verdict());
        assertTrue(dup.findings().get(0).contains("w.csv:2 = w.csv:9 = w.csv:40"), dup.findings().toString());
        assertTrue(dup.findings().get(0).contains("no leakage"), dup.findings().toString());

        StageResult leak = judge("{\"split\":{\"given\":true,\"description\":\"folders train/ and val/\",\"trainSize\":10,\"valSize\":5,"
                + "\"classesMissingInTrain\":[],\"classesMissingInVal\":[]},"
                + "\"leakage\":{\"samples\":2,\"valSamples\":1,\"examples\":[{\"trainSources\":[\"train/cat/1.png\"],\"valSources\":[\"val/cat/7.png\"]}]}}");
        assertEquals(Verdict.FAIL, leak.verdict());
        assertTrue(leak.summary().startsWith("1 val sample of the given split"), leak.summary());
        assertTrue(leak.summary().contains("val/cat/7.png = train train/cat/1.png"), leak.summary());
        assertEquals(1.0, leak.evidence().get("leaked_val_samples"));
    }

    @Test
    void aGivenSplitWithoutTrainSamplesOfAClassFailsAndWithoutValSamplesWarns() throws Exception {
        assertEquals(Verdict.FAIL, judge("{\"split\":{\"given\":true,\"description\":\"folders\",\"trainSize\":10,\"valSize\":4,\"classesMissingInTrain\":[\"dog\"],"
                + "\"classesMissingInVal\":[]}}").verdict());
        StageResult r = judge("{\"split\":{\"given\":true,\"description\":\"folders\",\"trainSize\":10,\"valSize\":4,\"classesMissingInTrain\":[],"
                + "\"classesMissingInVal\":[\"dog\"]}}");
        assertEquals(Verdict.WARN, r.verdict());
        assertTrue(r.summary().contains("'dog'"), r.summary());
    }

    @Test
    void imbalanceCorruptFilesAndUnscaledFeatures() throws Exception {
        StageResult imbalance = judge("{\"imbalanceRatio\":68.0,\"classHistogram\":[680,10,600,700]}");
        assertEquals(Verdict.WARN, imbalance.verdict());
        assertTrue(imbalance.summary().contains("68.0:1"), imbalance.summary());
        // 5 of 2005 unreadable: a warning naming the files; 50 of 150: a failure.
        StageResult few = judge("{\"skipped\":{\"count\":5,\"files\":[{\"file\":\"a/x.jpg\",\"reason\":\"truncated JPEG\"}]}}");
        assertEquals(Verdict.WARN, few.verdict());
        assertTrue(few.findings().get(0).contains("a/x.jpg: truncated JPEG"), few.findings().toString());
        assertEquals(Verdict.FAIL, judge("{\"samples\":100,\"skipped\":{\"count\":50,\"files\":[]}}").verdict());
        String features = "\"features\":[{\"name\":\"a\",\"std\":0.001},{\"name\":\"b\",\"std\":1000}]";
        assertEquals(Verdict.WARN, judge("{" + features + ",\"featureScaling\":\"none\"}").verdict());
        assertEquals(Verdict.PASS, judge("{" + features + ",\"featureScaling\":\"standardize\"}").verdict());
    }

    @Test
    void anEmptyValSideFailsBeforeAnyTrainingBlamesTheEvalService() throws Exception {
        StageResult r = judge("{\"split\":{\"given\":false,\"description\":\"stratified\",\"trainSize\":116,\"valSize\":0,"
                + "\"classesMissingInTrain\":[],\"classesMissingInVal\":[]}}");
        assertEquals(Verdict.FAIL, r.verdict());
        assertTrue(r.summary().contains("has no val sample"), r.summary());
    }

    @Test
    void notesAreFindingsOnceAndIgnoredFilesAreListed() throws Exception {
        String note = "class 'dog' has no image directly in dog/ but 12 in sub-folders (dog/images/)";
        StageResult r = judge("{\"labelProblems\":[\"1 of 3 classes have no samples ('dog'): " + note + "\"],\"notes\":[\"" + note
                + "\",\"read as UTF-8\"],\"ignored\":{\"count\":2,\"files\":[{\"file\":\"cat/1.json\",\"reason\":\"not an image: .json\"}]}}");
        assertEquals(Verdict.FAIL, r.verdict());
        assertTrue(r.summary().contains("dog/images/"), "the FAIL says why: " + r.summary());
        assertEquals(1, r.findings().stream().filter(f -> f.contains(note)).count(), r.findings().toString());
        assertTrue(r.findings().contains("read as UTF-8"), r.findings().toString());
        assertTrue(r.findings().stream().anyMatch(f -> f.startsWith("2 files ignored as not data") && f.contains("cat/1.json")),
                r.findings().toString());
    }

    @Test
    void noSampleFails() throws Exception {
        assertEquals(Verdict.FAIL, judge("{\"samples\":0,\"skipped\":{\"count\":5,\"files\":[]}}").verdict());
    }
}
