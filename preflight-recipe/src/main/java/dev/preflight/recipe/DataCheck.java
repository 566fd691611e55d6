package dev.preflight.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.preflight.ladder.StageArtifacts;
import dev.preflight.ladder.StageContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Recipe stage "data check" (Karpathy 1: "Become one with the data ... scan through thousands of examples ... look
 * for data imbalances and biases ... duplicate examples ... corrupted images / labels"; Niessner 11/n: "never augment
 * the val set as it would make it impossible to compare"). Judges the data-service's stats of a dataset and the split
 * a run uses, before any training: every later stage would only repeat a data problem at a higher price.
 *
 * <p>FAIL, each with the classes, values, files or lines involved:
 * <ul>
 *   <li>no valid sample; fewer than two classes with samples;</li>
 *   <li>a label space that is not 0..C−1 with samples in every class (one-based labels, a 255 "no label" marker, a
 *       0/255 mask, images one folder too deep: an empty class makes init-check compare against the wrong −ln(1/C)
 *       and accuracy meaningless);</li>
 *   <li>a given split (train/ and val/ folders) whose val samples also occur in train, or that has no train sample
 *       of a class (Preflight's own split is duplicate-aware, so it cannot leak);</li>
 *   <li>more than {@link Thresholds#maxCorruptShare()} of the files or rows unreadable.</li>
 * </ul>
 * WARN: exact duplicates (counts and examples), identical inputs with different labels, class imbalance above
 * {@link Thresholds#maxImbalance()}, any unreadable file or skipped row, a class without val samples, unscaled
 * features more than {@link Thresholds#maxFeatureSpread()} apart, a sample further than
 * {@link Thresholds#maxOutlierRatio()} times its class's median distance from the class mean. PASS otherwise.
 * Findings always name each class's furthest samples: the ones to look at first.
 *
 * <p>Paired (image-to-image) data ({@link Paired}; the pairing itself, partners, sizes and channels, is refused at
 * registration, so a registered paired dataset has only complete pairs): FAIL on constant targets (nothing
 * input-dependent to learn), targets outside [0, 1] after scaling (not
 * images on the inputs' scale: the baselines and the generator's init assume they are), and every
 * input equal to its target (the identity solves it: a wrong folder?); WARN when some inputs equal their targets or
 * some targets are flat. The evidence carries the value ranges and the two baselines the l1-regression stage must beat.
 */
public final class DataCheck extends RecipeStage<DataCheck.Thresholds> {

    public static final String NAME = "data-check";

    /** Examples a finding lists before "…". */
    private static final int EXAMPLES = 3;

    /**
     * @param maxImbalance      max/min class count above which balancing is advised; default 10 (Karpathy 1:
     *                          "look for data imbalances")
     * @param maxCorruptShare   share of unreadable files (or skipped rows) that FAILs; default 0.10: beyond that the
     *                          data that remains is a different dataset
     * @param maxFeatureSpread  ratio of the largest to the smallest feature std above which raw (unscaled) tabular
     *                          features WARN; default 100 (Karpathy 2: "normalize your inputs"; a network sees a
     *                          feature 100x larger as 100x more important at init)
     * @param maxOutlierRatio   a sample's distance from its class mean over the class's median distance above which it
     *                          WARNs; default 3.0 (Karpathy 1: "look for outliers"). Measured: the furthest samples of
     *                          real MNIST are 1.3-2.0x, of the penguins CSV 1.6-2.2x; an inverted MNIST digit is 3.5x
     */
    public record Thresholds(double maxImbalance, double maxCorruptShare, double maxFeatureSpread, double maxOutlierRatio) {
        public static final Thresholds DEFAULT = new Thresholds(10, 0.10, 100, 3.0);
    }

    /**
     * The facts judged, as the data-service's {@code GET /api/datasets/{name}/stats?splitSeed&valFraction} reports them.
     *
     * @param classNames            one per class
     * @param histogram             samples per class (mask pixels for segmentation)
     * @param imbalanceRatio        max / min class count; +Infinity with an empty class
     * @param corrupt               files or rows skipped as unreadable, with {@code corruptExamples} "file: reason"
     * @param ignored               files that are not data (not counted as corrupt)
     * @param duplicateSamples      samples whose bytes equal another sample's, in {@code duplicateGroups} groups
     * @param conflictSamples       duplicates whose labels disagree
     * @param givenSplit            whether the split came with the data; {@code split} describes it
     * @param valSize               val samples of the split; -1 when the stats carry no split
     * @param leakedSamples         val samples whose content also occurs in train
     * @param labelProblems         the data-service's diagnosis of the label space, one line per problem
     * @param featureSpread         tabular only: max / min feature std in stored units (NaN otherwise)
     * @param featuresScaled        tabular only: whether features are standardised for the network
     * @param outliers              per class, its furthest samples from the class mean, furthest first
     */
    public record Stats(int samples, int numClasses, List<String> classNames, int[] histogram, double imbalanceRatio,
                        int corrupt, List<String> corruptExamples, int ignored, List<String> ignoredExamples,
                        int duplicateGroups, int duplicateSamples, List<String> duplicateExamples,
                        int conflictSamples, List<String> conflictExamples,
                        boolean givenSplit, String split, int trainSize, int valSize, int leakedSamples, List<String> leakExamples,
                        List<String> classesMissingInTrain, List<String> classesMissingInVal,
                        List<String> labelProblems, List<String> notes, double featureSpread, boolean featuresScaled,
                        List<Outlier> outliers) {

        /** One of a class's furthest samples: {@code ratio} is its distance over the class's median distance. */
        public record Outlier(String className, String source, double ratio) {
        }

        /** The largest ratio of any sample; 0 without outliers. */
        double maxOutlierRatio() {
            return outliers.stream().mapToDouble(Outlier::ratio).max().orElse(0);
        }

        /** Reads the data-service's stats answer. */
        public static Stats of(JsonNode s) {
            List<String> names = texts(s.path("classNames"));
            int[] histogram = new int[s.path("classHistogram").size()];
            for (int c = 0; c < histogram.length; c++) {
                histogram[c] = s.path("classHistogram").get(c).asInt();
            }
            JsonNode imbalance = s.path("imbalanceRatio");
            List<String> corrupt = new ArrayList<>();
            for (JsonNode f : s.path("skipped").path("files")) {
                corrupt.add(f.path("file").asText() + ": " + f.path("reason").asText());
            }
            List<String> ignoredFiles = new ArrayList<>();
            for (JsonNode f : s.path("ignored").path("files")) {
                ignoredFiles.add(f.path("file").asText() + " (" + f.path("reason").asText() + ")");
            }
            List<String> leaks = new ArrayList<>();
            for (JsonNode e : s.path("leakage").path("examples")) {
                leaks.add("val " + String.join(", ", texts(e.path("valSources"))) + " = train " + String.join(", ", texts(e.path("trainSources"))));
            }
            double spread = Double.NaN;
            double lo = Double.POSITIVE_INFINITY;
            double hi = 0;
            for (JsonNode f : s.path("features")) {
                double std = f.path("std").asDouble(Double.NaN);
                if (std > 0) {
                    lo = Math.min(lo, std);
                    hi = Math.max(hi, std);
                    spread = hi / lo;
                }
            }
            List<Outlier> outliers = new ArrayList<>();
            for (JsonNode c : s.path("outliers")) {
                for (JsonNode o : c.path("furthest")) {
                    outliers.add(new Outlier(c.path("className").asText(), o.path("source").asText(), o.path("ratio").asDouble()));
                }
            }
            JsonNode split = s.path("split");
            return new Stats(s.path("samples").asInt(), s.path("numClasses").asInt(), names, histogram,
                    imbalance.isNumber() ? imbalance.asDouble() : Double.POSITIVE_INFINITY,
                    s.path("skipped").path("count").asInt(), corrupt, s.path("ignored").path("count").asInt(), ignoredFiles,
                    s.path("duplicates").path("groups").asInt(), s.path("duplicates").path("samples").asInt(),
                    groups(s.path("duplicates").path("sources")),
                    s.path("conflicts").path("samples").asInt(), groups(s.path("conflicts").path("sources")),
                    split.path("given").asBoolean(false), split.path("description").asText(""),
                    split.path("trainSize").asInt(), split.isMissingNode() ? -1 : split.path("valSize").asInt(),
                    s.path("leakage").path("valSamples").asInt(), leaks,
                    texts(split.path("classesMissingInTrain")), texts(split.path("classesMissingInVal")),
                    texts(s.path("labelProblems")), texts(s.path("notes")), spread,
                    !"none".equals(s.path("featureScaling").asText("")), outliers);
        }

        static List<String> texts(JsonNode array) {
            List<String> out = new ArrayList<>();
            array.forEach(n -> out.add(n.asText()));
            return out;
        }

        private static List<String> groups(JsonNode groups) {
            List<String> out = new ArrayList<>();
            groups.forEach(g -> out.add(String.join(" = ", texts(g))));
            return out;
        }
    }

    /**
     * A paired dataset's facts as the stats report them ({@code paired}), values in the network's units ([0, 1]).
     *
     * @param valIdentityL1   mean |input - target| over the val split; NaN without a split
     * @param valMeanTargetL1 mean |mean train target - target| over the val split; NaN without a split
     * @param trainConstantL1 L1 of predicting the train targets' mean level everywhere; NaN without a split
     * @param trainConstantL2 the same as a mean squared error
     */
    public record Paired(int pairs, double inputMin, double inputMax, double targetMin, double targetMax, double targetMean,
                         double targetStd, int identicalPairs, List<String> identicalExamples, int flatTargets,
                         double valIdentityL1, double valMeanTargetL1, double trainConstantL1, double trainConstantL2) {

        /** Reads the stats' {@code paired} block; null when the dataset is not paired. */
        public static Paired of(JsonNode stats) {
            JsonNode p = stats.path("paired");
            if (!p.isObject()) {
                return null;
            }
            return new Paired(p.path("pairs").asInt(), p.path("inputMin").asDouble(), p.path("inputMax").asDouble(),
                    p.path("targetMin").asDouble(), p.path("targetMax").asDouble(), p.path("targetMean").asDouble(),
                    p.path("targetStd").asDouble(), p.path("identicalPairs").asInt(), Stats.texts(p.path("identicalExamples")),
                    p.path("flatTargets").asInt(), p.path("valIdentityL1").asDouble(Double.NaN),
                    p.path("valMeanTargetL1").asDouble(Double.NaN), p.path("trainConstantL1").asDouble(Double.NaN),
                    p.path("trainConstantL2").asDouble(Double.NaN));
        }
    }

    /** The recipe line this stage checks. */
    public static final String RECIPE_LINE = "Become one with the data: scan through thousands of examples, understand their distribution and look for patterns (Karpathy 1)";

    /** With {@link Thresholds#DEFAULT}. */
    public DataCheck() {
        this(Thresholds.DEFAULT);
    }

    public DataCheck(Thresholds thresholds) {
        super(NAME, RECIPE_LINE, thresholds);
    }

    /** Fetches the dataset's stats and a preview grid ("become one with the data") and judges the stats. */
    @Override
    public StageResult climb(StageContext ctx) {
        JsonNode s = ctx.stats();
        StageArtifacts a = ctx.artifactsWithStats(NAME, s);
        String dataset = ctx.options().dataset();
        byte[] grid = ctx.data().datasetPreview(dataset);
        if (grid != null) {
            a.previews().put("samples of " + dataset, grid);
        }
        return judge(dataset, Stats.of(s), Paired.of(s), thresholds());
    }

    /** A dataset that is not paired. */
    public static StageResult judge(String dataset, Stats s, Thresholds t) {
        return judge(dataset, s, null, t);
    }

    /** @param paired the paired facts, or null for a dataset that is not image-to-image */
    public static StageResult judge(String dataset, Stats s, Paired paired, Thresholds t) {
        double corruptShare = s.samples() + s.corrupt() == 0 ? 0 : (double) s.corrupt() / (s.samples() + s.corrupt());
        Evidence ev = new Evidence().put("samples", s.samples()).put("classes", s.numClasses()).put("skipped", s.corrupt())
                .put("ignored_files", s.ignored()).put("duplicates", s.duplicateSamples()).put("label_conflicts", s.conflictSamples())
                .put("leaked_val_samples", s.leakedSamples()).put("imbalance_ratio", s.imbalanceRatio())
                .put("train_samples", s.trainSize()).put("val_samples", s.valSize()).put("feature_std_spread", s.featureSpread())
                .put("max_outlier_ratio", s.maxOutlierRatio());
        List<String> fail = new ArrayList<>();
        List<String> warn = new ArrayList<>();
        if (s.samples() == 0) {
            fail.add("no valid sample in " + dataset);
        }
        fail.addAll(s.labelProblems());
        if (s.valSize() == 0 && s.samples() > 0) {
            fail.add("the split " + s.split() + " has no val sample: nothing would measure generalisation (too few samples per "
                    + "class for the val fraction?)");
        }
        if (s.leakedSamples() > 0) {
            fail.add(plural(s.leakedSamples(), "val sample") + " of the given split (" + s.split() + ") also occur in train: val "
                    + "metrics would not measure generalisation; remove the copies from one side" + examples(s.leakExamples()));
        }
        if (!s.classesMissingInTrain().isEmpty()) {
            fail.add("the split " + s.split() + " has no train sample of " + quoted(s.classesMissingInTrain()) + ": the model cannot learn "
                    + (s.classesMissingInTrain().size() == 1 ? "it" : "them"));
        }
        if (corruptShare > t.maxCorruptShare()) {
            fail.add(String.format(Locale.ROOT, "%.0f %% of the files or rows were skipped (%d: unreadable, or with missing or "
                    + "invalid values)", 100 * corruptShare, s.corrupt()) + examples(s.corruptExamples()));
        }
        if (s.duplicateSamples() > 0) {
            warn.add(plural(s.duplicateSamples(), "sample") + " in " + plural(s.duplicateGroups(), "group") + " of exact duplicates"
                    + (s.givenSplit() ? "" : " (kept on one side of the split: no leakage)") + examples(s.duplicateExamples()));
        }
        if (s.conflictSamples() > 0) {
            warn.add(plural(s.conflictSamples(), "identical sample") + " carry different labels (label noise)" + examples(s.conflictExamples()));
        }
        if (s.imbalanceRatio() > t.maxImbalance() && Double.isFinite(s.imbalanceRatio())) {
            warn.add(String.format(Locale.ROOT, "class imbalance %.1f:1 (%s): consider class weights or balanced sampling (--balance)",
                    s.imbalanceRatio(), histogram(s)));
        }
        if (s.corrupt() > 0 && corruptShare <= t.maxCorruptShare()) {
            warn.add(plural(s.corrupt(), "file or row", "files or rows") + " skipped (unreadable, or with missing or invalid values)"
                    + examples(s.corruptExamples()));
        }
        if (!s.classesMissingInVal().isEmpty()) {
            warn.add("the split " + s.split() + " has no val sample of " + quoted(s.classesMissingInVal()) + ": never measured");
        }
        if (!s.featuresScaled() && s.featureSpread() > t.maxFeatureSpread()) {
            warn.add(String.format(Locale.ROOT, "feature scales differ %.0fx (std) and go to the network raw: standardise them "
                    + "(featureScaling standardize)", s.featureSpread()));
        }
        List<String> far = s.outliers().stream().filter(o -> o.ratio() > t.maxOutlierRatio()).map(DataCheck::outlier).toList();
        if (!far.isEmpty()) {
            warn.add(plural(far.size(), "sample") + String.format(Locale.ROOT, " further than %.1fx their class's median distance "
                    + "from the class mean (corrupt, inverted, mislabelled or another modality?)", t.maxOutlierRatio()) + examples(far));
        }
        if (paired != null) {
            judgePairs(paired, ev, fail, warn);
        }
        Verdict v;
        String summary;
        if (!fail.isEmpty()) {
            v = Verdict.FAIL;
            summary = fail.get(0);
        } else if (!warn.isEmpty()) {
            v = Verdict.WARN;
            summary = String.join("; ", warn.stream().map(DataCheck::headline).toList());
        } else if (paired != null) {
            v = Verdict.PASS;
            summary = String.format(Locale.ROOT, "%d complete input/target pairs, inputs in [%.3f, %.3f], targets in [%.3f, %.3f] "
                    + "(mean %.3f, std %.3f); baselines on val: identity L1 %.4f, mean target image L1 %.4f; no duplicates, no leakage",
                    paired.pairs(), paired.inputMin(), paired.inputMax(), paired.targetMin(), paired.targetMax(), paired.targetMean(),
                    paired.targetStd(), paired.valIdentityL1(), paired.valMeanTargetL1());
        } else {
            v = Verdict.PASS;
            summary = String.format(Locale.ROOT, "%d samples, %d classes, imbalance %.1f:1, no duplicates, no leakage (%s split)",
                    s.samples(), s.numClasses(), s.imbalanceRatio(), s.givenSplit() ? "given" : "own");
        }
        List<String> findings = new ArrayList<>(fail);
        findings.addAll(warn);
        if (s.ignored() > 0) {
            findings.add(plural(s.ignored(), "file") + " ignored as not data (not counted as skipped)" + examples(s.ignoredExamples()));
        }
        if (!s.outliers().isEmpty() && far.isEmpty()) {
            // Not a problem, but where "look at the data" should start.
            findings.add("furthest from their class mean (look at these first): " + String.join("; ", s.outliers().stream()
                    .collect(java.util.stream.Collectors.groupingBy(Stats.Outlier::className, java.util.LinkedHashMap::new,
                            java.util.stream.Collectors.toList()))
                    .values().stream().limit(10).map(os -> outlier(os.get(0))).toList()));
        }
        // Notes that a problem already quotes are not repeated.
        s.notes().stream().filter(n -> findings.stream().noneMatch(f -> f.contains(n))).forEach(findings::add);
        return new StageResult(NAME, v, ev.map(), summary, List.of(), findings);
    }

    /** What would silently break training on image pairs; the evidence gets their ranges and baselines. */
    private static void judgePairs(Paired p, Evidence ev, List<String> fail, List<String> warn) {
        ev.put("pairs", p.pairs()).put("input_min", p.inputMin()).put("input_max", p.inputMax()).put("target_min", p.targetMin())
                .put("target_max", p.targetMax()).put("target_mean", p.targetMean()).put("target_std", p.targetStd())
                .put("identical_pairs", p.identicalPairs()).put("flat_targets", p.flatTargets())
                .put("val_identity_l1", p.valIdentityL1()).put("val_mean_target_l1", p.valMeanTargetL1());
        if (p.pairs() > 0 && p.targetStd() == 0) {
            fail.add(String.format(Locale.ROOT, "every target value is %.3f: constant targets, nothing input-dependent to learn "
                    + "(empty or black target images?)", p.targetMean()));
        }
        if (p.targetMin() < 0 || p.targetMax() > 1) {
            fail.add(String.format(Locale.ROOT, "targets span [%.3f, %.3f] after scaling, outside [0, 1]: they are not images on "
                    + "the inputs' scale", p.targetMin(), p.targetMax()));
        }
        if (p.pairs() > 0 && p.identicalPairs() == p.pairs()) {
            fail.add("every input equals its target: the identity already solves the task (the same folder given twice?)"
                    + examples(p.identicalExamples()));
        } else if (p.identicalPairs() > 0) {
            warn.add(plural(p.identicalPairs(), "input") + " equal to " + (p.identicalPairs() == 1 ? "its" : "their")
                    + " target (nothing to learn from those pairs)" + examples(p.identicalExamples()));
        }
        if (p.flatTargets() > 0 && p.targetStd() > 0) {
            warn.add(plural(p.flatTargets(), "target") + " of a single flat value (empty targets?)");
        }
    }

    private static String outlier(Stats.Outlier o) {
        return String.format(Locale.ROOT, "%s (%s, %.1fx)", o.source(), o.className(), o.ratio());
    }

    /** A finding up to its examples: the summary line stays one line. */
    private static String headline(String finding) {
        int at = finding.indexOf(", e.g. ");
        return at < 0 ? finding : finding.substring(0, at);
    }

    private static String examples(List<String> examples) {
        if (examples.isEmpty()) {
            return "";
        }
        // Four examples read better than three and an ellipsis hiding one.
        int show = examples.size() <= EXAMPLES + 1 ? examples.size() : EXAMPLES;
        return ", e.g. " + String.join("; ", examples.subList(0, show)) + (examples.size() > show ? "; …" : "");
    }

    private static String plural(int n, String one) {
        return plural(n, one, one + "s");
    }

    private static String plural(int n, String one, String many) {
        return n + " " + (n == 1 ? one : many);
    }

    private static String quoted(List<String> names) {
        return String.join(", ", names.stream().limit(10).map(n -> "'" + n + "'").toList()) + (names.size() > 10 ? " and " + (names.size() - 10) + " more" : "");
    }

    private static String histogram(Stats s) {
        StringBuilder b = new StringBuilder();
        for (int c = 0; c < s.histogram().length && c < 12; c++) {
            b.append(c == 0 ? "" : ", ").append(s.classNames().size() > c ? s.classNames().get(c) : String.valueOf(c)).append(' ').append(s.histogram()[c]);
        }
        return b.append(s.histogram().length > 12 ? ", …" : "").toString();
    }
}
