package dev.preflight.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.preflight.ladder.Runs;
import dev.preflight.ladder.Leaderboard;
import dev.preflight.ladder.RunWatcher;
import dev.preflight.ladder.StageArtifacts;
import dev.preflight.recipe.Ablations;
import dev.preflight.recipe.Report;
import dev.preflight.recipe.StageResult;
import dev.preflight.recipe.Verdict;
import dev.preflight.wire.TrainStep;
import dev.preflight.wire.ValStep;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A whole ladder's outcome built by hand, shaped like a real run on the penguins data (numbers from a real report.json;
 * curves synthesised): every stage, two runs in full-data, ablation trials with two killed (one with its history, one
 * without), seed bands, a class-named data-check with feature ranges, a confusion matrix and fixed-batch predictions.
 */
final class Fixtures {

    static final List<String> CLASSES = List.of("Adelie", "Chinstrap", "Gentoo");

    /** Everything report.html is asked to render for one experiment. */
    record Outcome(Report report, Map<String, StageArtifacts> artifacts, Leaderboard leaderboard) {
        String render() {
            return ReportHtml.render(report, artifacts, leaderboard);
        }
    }

    private Fixtures() {
    }

    static Outcome penguins() {
        return ladder("penguins", CLASSES, 3);
    }

    /** The same outcome with names chosen to break a page that does not escape. */
    static Outcome hostile() {
        return ladder("pen</script><script>alert(1)</script>", List.of("a</script>b", "<b>bold</b> & co", "it's \"quoted\""), 3);
    }

    /** A dataset without class names (data-check not run): classes go by index. */
    static Outcome unnamed() {
        Outcome o = ladder("digits", List.of(), 3);
        Map<String, StageArtifacts> artifacts = new LinkedHashMap<>(o.artifacts());
        artifacts.remove("data-check");
        List<StageResult> stages = o.report().stages().stream().filter(s -> !s.name().equals("data-check")).toList();
        return new Outcome(new Report(o.report().dataset(), o.report().model(), stages, o.report().createdAtMs(), o.report().layers()), artifacts, o.leaderboard());
    }

    private static Outcome ladder(String dataset, List<String> classNames, int classes) {
        SplittableRandom rng = new SplittableRandom(7);
        Map<String, StageArtifacts> artifacts = new LinkedHashMap<>();
        List<StageResult> stages = new ArrayList<>();

        artifacts.put("data-check", new StageArtifacts(new ArrayList<>(), previews("samples of " + dataset), stats(classNames)));
        stages.add(new StageResult("data-check", Verdict.WARN, evidence("samples", 333.0, "classes", 3.0, "skipped", 11.0,
                "imbalance_ratio", 2.1470588235294117, "train_samples", 266.0, "val_samples", 67.0, "feature_std_spread", 2309.2529238606985),
                "11 files or rows skipped (unreadable, or with missing or invalid values)", List.of(),
                List.of("11 files or rows skipped, e.g. penguins.csv:5: column 'bill_length_mm' is missing ('NA')",
                        "label: 'species' (labelColumn); 3 classes: " + String.join(", ", classNames))));

        RunWatcher.Finished init = run("run-18ca86434b23", "FINISHED", 1, rng, 1.0977, 1.0977, 0, 1, 1.0986, classes, false);
        artifacts.put("init-check", new StageArtifacts(new ArrayList<>(List.of(init)), new LinkedHashMap<>()));
        stages.add(new StageResult("init-check", Verdict.PASS, evidence("initial_loss", 1.0977240800857544, "expected_loss", 1.0986122886681098,
                "relative_error", 0.0008084822930864875, "zero_input_loss", 1.0986123085021973, "classes", 3.0),
                "loss at init 1.098 matches -ln(1/3) = 1.099", List.of(init.runId())));

        RunWatcher.Finished one = run("run-49ee0c21c484", "FINISHED", 300, rng, 1.06, 0.00236, 10, 1.5, null, classes, false);
        artifacts.put("overfit-one-sample", new StageArtifacts(new ArrayList<>(List.of(one)), new LinkedHashMap<>()));
        stages.add(new StageResult("overfit-one-sample", Verdict.PASS, evidence("train_loss", 0.0023611304350197315,
                "initial_train_loss", 1.0597707033157349, "val_loss", 1.5033423900604248, "steps", 300.0, "max_final_loss", 0.01),
                "memorised one sample: train loss 0.00236 < 0.0100 after 300 steps", List.of(one.runId())));

        RunWatcher.Finished few = run("run-cec4278abe59", "FINISHED", 500, rng, 1.10, 0.0074, 10, 0.015, null, classes, false);
        artifacts.put("overfit-few-samples", new StageArtifacts(new ArrayList<>(List.of(few)), new LinkedHashMap<>()));
        stages.add(new StageResult("overfit-few-samples", Verdict.PASS, evidence("train_loss", 0.007375492714345455, "val_loss", 0.015130718238651752,
                "steps", 500.0, "samples", 10.0), "memorised 10 samples: train loss 0.0074 < 0.0500", List.of(few.runId())));

        RunWatcher.Finished model = run("run-cdcee26665ec", "FINISHED", 1000, rng, 1.10, 0.0103, 25, 0.0103, 1.0897, classes, true);
        RunWatcher.Finished logistic = run("run-bbc103627bac", "FINISHED", 1000, rng, 1.10, 0.035, 25, 0.04, 1.09, classes, false);
        Map<String, byte[]> fullPreviews = previews("train batch as the network sees it");
        fullPreviews.putAll(previews("val batch as the network sees it"));
        artifacts.put("full-data", new StageArtifacts(new ArrayList<>(List.of(model, logistic)), fullPreviews));
        stages.add(new StageResult("full-data", Verdict.WARN, evidence("val_loss_first", 0.36646199226379395, "val_loss", 0.010255728289484978,
                "val_accuracy", 1.0, "chance_accuracy", 0.3333333333333333, "zero_input_accuracy", 0.40625,
                "logistic_regression_accuracy", 1.0),
                "val accuracy 1.000 does not beat logistic regression on the same inputs (1.000): the network adds nothing yet",
                List.of(model.runId(), logistic.runId())));

        artifacts.put("speed", new StageArtifacts(new ArrayList<>(List.of(model)), new LinkedHashMap<>()));
        stages.add(new StageResult("speed", Verdict.PASS, evidence("samples_per_second", 18342.55, "data_wait_share", 0.0412,
                "val_coverage", 0.04), "18343 samples/s; data wait 4.1 % of step time", List.of(model.runId())));

        // Ablations: six trials; 1 and 4 killed (4's history kept, 1's not), the best two re-run over three seeds.
        List<Ablations.Trial> trials = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            Map<String, Object> values = new LinkedHashMap<>();
            values.put("learningRate", Math.pow(10, -4 + 2.5 * rng.nextDouble()));
            values.put("hiddenUnits", List.of(t % 2 == 0 ? 64 : 32, 16));
            values.put("dropout", 0.5 * rng.nextDouble());
            values.put("batchNorm", t % 3 == 0);
            trials.add(new Ablations.Trial(t, values, null));
        }
        List<String> runIds = new ArrayList<>();
        List<RunWatcher.Finished> trialRuns = new ArrayList<>();
        Map<Ablations.Trial, String> killed = new LinkedHashMap<>();
        for (Ablations.Trial t : trials) {
            String id = String.format("run-ab%02d0000000", t.index());
            runIds.add(id);
            if (t.index() == 1) {
                killed.put(t, "sanity: train loss 1.1021 after 50 warm-up steps is not below its initial 1.0987");
            } else if (t.index() == 4) {
                killed.put(t, "ASHA: val loss 0.4121 at step 150 is not in the top 2 of 5");
                trialRuns.add(run(id, "KILLED", 150, rng, 1.1, 0.40, 10, 0.41, null, classes, false));
            } else {
                trialRuns.add(run(id, "FINISHED", 300, rng, 1.1, 0.02 + 0.03 * t.index(), 10, 0.03 + 0.03 * t.index(), null, classes, false));
            }
        }
        List<Ablations.SeedBand> bands = new ArrayList<>();
        for (int b = 0; b < 2; b++) {
            Ablations.Trial t = trials.get(b == 0 ? 0 : 2);
            List<String> seeds = new ArrayList<>();
            double[] losses = new double[3];
            double[] accuracies = new double[3];
            for (int s = 0; s < 3; s++) {
                seeds.add(String.format("run-sd%d%d000000", t.index(), s));
                losses[s] = 0.0312 + 0.021 * b + 0.004 * rng.nextGaussian();
                accuracies[s] = 0.985 - 0.01 * b + 0.004 * rng.nextGaussian();
            }
            runIds.addAll(seeds);
            bands.add(new Ablations.SeedBand(t, seeds, losses, accuracies));
        }
        artifacts.put(Ablations.NAME, new StageArtifacts(trialRuns, new LinkedHashMap<>()));
        StageResult ablations = Ablations.judge(trials, trials.stream().filter(t -> !killed.containsKey(t)).toList(), killed, bands, runIds);
        stages.add(ablations);
        Report report = new Report(dataset, "mlp", stages, 1_764_510_000_000L,
                dev.preflight.recipe.LayerReport.of("full-data", model.runId(), model.history().train()));
        return new Outcome(report, artifacts, new Leaderboard(bands, killed));
    }

    private static Map<String, Double> evidence(Object... kv) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], (Double) kv[i + 1]);
        }
        return m;
    }

    /**
     * A run whose train loss falls exponentially from {@code start} to {@code end} with batch noise, validated every
     * {@code valEvery} steps (and at step 0) on its way to {@code valEnd}; the zero-input control at step 0 and the last
     * step when {@code zero} is given; a confusion matrix and 12 fixed-batch predictions when {@code classification}.
     */
    static RunWatcher.Finished run(String id, String state, int steps, SplittableRandom rng, double start, double end, int valEvery,
                                   double valEnd, Double zero, int classes, boolean classification) {
        List<TrainStep> train = new ArrayList<>();
        double rate = Math.log(start / end) / Math.max(1, steps - 1);
        for (int s = 1; s <= steps; s++) {
            double loss = start * Math.exp(-rate * (s - 1)) * Math.exp(0.25 * rng.nextGaussian());
            double wait = 0.0002 + 0.0004 * rng.nextDouble() + (s % 97 == 0 ? 0.02 : 0);
            double compute = 0.0031 + 0.0008 * rng.nextDouble();
            // Per tensor: update ratios around 1e-3 falling slowly, one tensor that never moves (a frozen-by-accident layer).
            Map<String, Double> ratios = new LinkedHashMap<>();
            Map<String, Double> grads = new LinkedHashMap<>();
            String[] tensors = {"dense_0/kernel", "dense_0/bias", "stuck/kernel", "logits_dense/kernel", "logits_dense/bias"};
            for (int t = 0; t < tensors.length; t++) {
                boolean stuck = tensors[t].startsWith("stuck");
                ratios.put(tensors[t], stuck ? 0.0 : 2e-3 * Math.pow(0.5, t) * Math.exp(-s / 800.0) * (1 + 0.02 * Math.sin(s * (t + 1.0))));
                grads.put(tensors[t], stuck ? 0.0 : 0.5 / (t + 1) * Math.exp(-s / 500.0));
            }
            train.add(new TrainStep(id, s, s == 1 ? start : loss, wait + compute, wait, compute, 32, 1e-3, 0.8, ratios, 1.0, grads));
        }
        List<ValStep> val = new ArrayList<>();
        int[] labels = new int[12];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % classes;
        }
        for (int s = 0; valEvery > 0 && s <= steps; s += valEvery) {
            double progress = (double) s / steps;
            double loss = start + (valEnd - start) * Math.pow(progress, 0.4) + 0.01 * Math.abs(rng.nextGaussian());
            boolean edge = s == 0 || s + valEvery > steps;
            int[][] confusion = null;
            int[] predictions = null;
            if (classification) {
                confusion = new int[classes][classes];
                predictions = new int[labels.length];
                for (int i = 0; i < labels.length; i++) {
                    predictions[i] = rng.nextDouble() < 0.3 + 0.7 * progress ? labels[i] : (labels[i] + 1) % classes;
                }
                for (int t = 0; t < classes; t++) {
                    for (int p = 0; p < classes; p++) {
                        confusion[t][p] = t == p ? 20 + (int) (progress * 5) : (int) ((1 - progress) * 6);
                    }
                }
            }
            val.add(new ValStep(id, s, loss, 0.33 + 0.66 * progress, 64, "CLASSIFICATION", null, null, null, null, null, null, confusion,
                    null, null, null, null, null, zero != null && edge ? zero : null, zero != null && edge ? 0.41 : null,
                    classification ? loss : null, predictions, classification ? labels : null, null, null));
        }
        if (valEvery == 0) {
            val.add(new ValStep(id, 0, start, 0.33, 64, "CLASSIFICATION", null, null, null, null, null, null, null, null, null, null,
                    null, null, zero, 0.41, null, null, null, null, null));
        }
        return new RunWatcher.Finished(id, state, "KILLED".equals(state) ? "killed by the ladder" : "", steps,
                new Runs.History(train, val));
    }

    private static JsonNode stats(List<String> classNames) {
        ObjectMapper m = new ObjectMapper();
        var s = m.createObjectNode();
        s.put("samples", 333).put("numClasses", 3).put("featureScaling", "standardize");
        if (!classNames.isEmpty()) {
            s.set("classNames", m.valueToTree(classNames));
        }
        s.set("classHistogram", m.valueToTree(List.of(146, 68, 119)));
        var features = s.putArray("features");
        feature(features.addObject(), "bill_length_mm", 32.1, 59.6, 43.99, 5.469, 0);
        feature(features.addObject(), "bill_depth_mm", 13.1, 21.5, 17.16, 1.969, 0);
        feature(features.addObject(), "flipper_length_mm", 172, 231, 200.97, 14.02, 0);
        feature(features.addObject(), "body_mass_g", 2700, 6300, 4207.06, 805.2, 2);
        feature(features.addObject(), "island=Torgersen", 0, 1, 0.1441, 0.3517, 0);
        feature(features.addObject(), "sex=male", 0, 1, 0.5045, 0.5007, 9);
        return s;
    }

    private static void feature(com.fasterxml.jackson.databind.node.ObjectNode f, String name, double min, double max, double mean,
                                double std, int missing) {
        f.put("name", name).put("min", min).put("max", max).put("mean", mean).put("std", std).put("missing", missing);
    }

    /** A small labelled-looking image grid, as the data-service's previews are. */
    static Map<String, byte[]> previews(String name) {
        BufferedImage img = new BufferedImage(96, 48, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 48; y++) {
            for (int x = 0; x < 96; x++) {
                img.setRGB(x, y, ((x / 12 + y / 12) % 2 == 0 ? new Color(40 + x, 90, 160 - y) : Color.WHITE).getRGB());
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put(name, out.toByteArray());
        return m;
    }
}
