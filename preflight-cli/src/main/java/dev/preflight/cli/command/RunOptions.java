package dev.preflight.cli.command;

import dev.preflight.ladder.DataClient;
import dev.preflight.ladder.GatewayClient;
import dev.preflight.ladder.Ladder;
import dev.preflight.ladder.LadderOptions;
import dev.preflight.cli.report.Console;
import dev.preflight.report.ReportHtml;
import dev.preflight.report.ReportWriter;
import dev.preflight.cli.stack.LocalStack;
import dev.preflight.cli.stack.StackState;
import dev.preflight.recipe.Ablations;
import dev.preflight.recipe.Report;
import dev.preflight.recipe.Stage;
import dev.preflight.recipe.Stages;
import dev.preflight.recipe.Verdict;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.RunIds;
import dev.preflight.wire.WireEnum;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything {@code run} and {@code ablate} share: the dataset and how to read it, the model, the training stream,
 * where the stack is, and how strict the exit code is. One place, so both commands take the same options directly.
 */
public class RunOptions {

    @Option(names = "--dataset", defaultValue = "shapes", description = "A registered dataset name, or a path: an IDX directory "
            + "(MNIST family, with or without its t10k split), a .csv file (label in the last column unless --label-column), an image folder (one "
            + "sub-folder per class, or train/ and val/ holding them) or images/ and masks/ (default: ${DEFAULT-VALUE}).")
    String dataset;

    @CommandLine.Mixin
    DatasetOptions datasetOptions = new DatasetOptions();

    @CommandLine.Mixin
    TrainingOptions trainingOptions = new TrainingOptions();

    @Option(names = "--strict", description = "Exit 1 when a stage WARNs too (default: only a FAIL, or a stage not run, exits 1).")
    boolean strict;

    @Option(names = "--model", defaultValue = "cnn", description = "mlp, cnn, resnet, segnet or generator (image-to-image pairs) (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--keras-model", description = "Your own model instead of --model: a Keras definition, the JSON "
            + "model.to_json() writes or a .keras archive (its config.json; its weights too unless --weights says otherwise).")
    Path kerasModel;

    @Option(names = "--weights", description = "Pretrained Keras weights (.weights.h5 or .h5) for --keras-model, loaded by layer name.")
    Path weights;

    @Option(names = "--from-logits", arity = "1", description = "For --keras-model without a compiled loss: true if the loss "
            + "should apply its own softmax to the output, false if the output is probabilities (default: what the output layer gives).")
    Boolean fromLogits;

    @Option(names = "--hidden", split = ",", description = "Hidden layer widths (mlp; cnn's dense head), e.g. 128,64.")
    List<Integer> hidden;

    @Option(names = "--channels", split = ",", description = "Conv widths (cnn, resnet, segnet), e.g. 16,32.")
    List<Integer> channels;

    @Option(names = "--lr", defaultValue = "0.001", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    double learningRate;

    @Option(names = "--seed", defaultValue = "" + LadderOptions.DEFAULT_SEED, description = "Seed for split, data order and init (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--batch", defaultValue = "" + LadderOptions.DEFAULT_BATCH_SIZE, description = "Batch size of the init-check, full-data, l1-regression, adversarial, speed and ablation runs (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--val-fraction", defaultValue = "" + LadderOptions.DEFAULT_VAL_FRACTION, description = "Share of each class held out (default: ${DEFAULT-VALUE}).")
    double valFraction;

    @Option(names = "--full-steps", defaultValue = "" + LadderOptions.DEFAULT_FULL_DATA_STEPS, description = "Steps of the full-data run, and of the l1-regression and adversarial runs (default: ${DEFAULT-VALUE}).")
    int fullSteps;

    @Option(names = "--ensemble-top", defaultValue = "" + dev.preflight.recipe.Ensemble.DEFAULT_TOP_K, description = "Ablation "
            + "trials the ensemble stage averages, best first, at least " + dev.preflight.recipe.Ensemble.MIN_TOP_K + " (default: ${DEFAULT-VALUE}).")
    int ensembleTop;

    @Option(names = "--gateway", description = "URL of a running metrics-gateway; with --data, no local stack is used or started.")
    String gatewayUrl;

    @Option(names = "--api-key", defaultValue = "${PREFLIGHT_API_KEY}", description = "The gateway's API key for --gateway "
            + "(default: $PREFLIGHT_API_KEY); a local stack makes its own.")
    String apiKey;

    @Option(names = "--data", description = "URL of the running data-service (for dataset stats).")
    String dataUrl;

    @Option(names = "--trainers", defaultValue = "2", description = "Trainer replicas of the local stack (default: ${DEFAULT-VALUE}).")
    int trainers;

    @Option(names = "--out", defaultValue = StackOptions.DEFAULT_OUT, description = "Directory for report.json and logs; a stack "
            + "'preflight up' runs there is used instead of starting one (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--standalone", description = "Start a stack of its own for this command (in-process Kafka), even when "
            + "'preflight up' runs one under --out.")
    boolean standalone;

    @Option(names = "--home", description = "Preflight checkout with the built services (default: $PREFLIGHT_HOME or the current directory).")
    Path home;

    @Option(names = "--patience", description = "Early stopping of the full-data run and the ablation trials: stop once the "
            + "mean of the last 5 val losses has not improved for this many validated steps, and export the best weights; "
            + "0 turns it off (default: " + LadderOptions.DEFAULT_PATIENCE + ").")
    Integer patience;

    @Option(names = "--critic-steps", description = "adversarial stage: critic updates per generator update, n_critic (default: "
            + dev.preflight.wire.Adversarial.DEFAULT_CRITIC_STEPS + ").")
    Integer criticSteps;

    @Option(names = "--critic-clip", description = "adversarial stage: every critic weight is clipped to [-c, c] after each "
            + "update (default: " + dev.preflight.wire.Adversarial.DEFAULT_CLIP + ").")
    Double criticClip;

    @Option(names = "--critic-lr", description = "adversarial stage: the critic's RMSProp learning rate (default: "
            + dev.preflight.wire.Adversarial.DEFAULT_CRITIC_LEARNING_RATE + ").")
    Double criticLearningRate;

    @Option(names = "--adversarial-weight", description = "adversarial stage: weight of the generator's adversarial loss next "
            + "to its L1 (default: " + dev.preflight.wire.Adversarial.DEFAULT_ADVERSARIAL_WEIGHT + ").")
    Double adversarialWeight;

    @Option(names = "--critic-warmup", description = "adversarial stage: first steps in which the critic takes "
            + dev.preflight.wire.Adversarial.WARMUP_FACTOR + " x n_critic updates (default: "
            + dev.preflight.wire.Adversarial.DEFAULT_WARMUP_STEPS + ").")
    Integer criticWarmup;

    @Option(names = "--timeout", defaultValue = "900", description = "Seconds any one run may take (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    /** The adversarial stage's critic from the --critic-* flags, or null when none is given (the defaults). */
    private dev.preflight.wire.Adversarial critic(CommandLine.Model.CommandSpec spec) {
        if (criticSteps == null && criticClip == null && criticLearningRate == null && adversarialWeight == null && criticWarmup == null) {
            return null;
        }
        dev.preflight.wire.Adversarial a = new dev.preflight.wire.Adversarial(criticSteps, criticClip, criticLearningRate,
                adversarialWeight, null, criticWarmup);
        List<String> problems = new java.util.ArrayList<>();
        a.validate("", problems);
        if (!problems.isEmpty()) {
            // The record's field names, said as the flags that set them.
            String first = problems.get(0).replaceFirst("^criticSteps", "--critic-steps").replaceFirst("^clip", "--critic-clip")
                    .replaceFirst("^criticLearningRate", "--critic-lr").replaceFirst("^adversarialWeight", "--adversarial-weight")
                    .replaceFirst("^warmupSteps", "--critic-warmup");
            throw new CommandLine.ParameterException(spec.commandLine(), first);
        }
        return a;
    }

    /**
     * Climbs {@code stages} with these options and writes the report.
     *
     * @param spec      the command, for usage errors
     * @param stages    stage names, validated against {@link Stages#NAMES}
     * @param spaceFile the ablation search space, or null for the default
     * @return the exit code: 0 no stage failed (with --strict: every stage passed), 1 otherwise
     */
    public int climb(CommandLine.Model.CommandSpec spec, List<String> stages, Path spaceFile) {
        List<String> chosen = stages;
        if ((gatewayUrl == null) != (dataUrl == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--gateway and --data go together");
        }
        ModelConfig mc;
        String balance;
        dev.preflight.wire.Augmentation augmentation;
        try {
            mc = kerasModel != null ? KerasFiles.config(kerasModel, weights, fromLogits, out, seed, learningRate)
                    : ModelConfig.builder(WireEnum.parse(ModelConfig.Type.class, "--model", model)).seed(seed).learningRate(learningRate)
                    .hiddenUnits(hidden).channels(channels).build();
            if (kerasModel == null && (weights != null || fromLogits != null)) {
                throw new IllegalArgumentException("--weights and --from-logits go with --keras-model");
            }
            if (kerasModel != null && (hidden != null || channels != null)) {
                throw new IllegalArgumentException("--hidden and --channels are the definition's with --keras-model");
            }
            balance = trainingOptions.balance();
            augmentation = trainingOptions.augmentation();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        List<String> problems = new dev.preflight.wire.RunSpec(dataset, new dev.preflight.wire.DataConfig(seed, 0, batch, valFraction,
                null, augmentation, balance), mc, fullSteps, null).problems().stream()
                // The spec's field name means nothing to a user who gave a file: name the file.
                .map(p -> kerasModel != null && p.startsWith("model.keras: ") ? kerasModel + ": " + p.substring("model.keras: ".length()) : p)
                .toList();
        if (!problems.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), String.join("; ", problems));
        }
        Ablations.Space space = null;
        if (spaceFile != null) {
            try {
                space = Ablations.Space.parse(new com.fasterxml.jackson.databind.ObjectMapper().readTree(spaceFile.toFile()));
            } catch (java.io.IOException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "cannot read --space " + spaceFile + ": " + e.getMessage());
            } catch (dev.preflight.wire.WireFormatException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), spaceFile + ": " + e.getMessage());
            }
            List<String> spaceProblems = Ablations.problems(space, mc, batch);
            if (!spaceProblems.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), spaceFile + ": " + String.join("; ", spaceProblems));
            }
        }
        List<Stage> chosenStages;
        try {
            chosenStages = Stages.named(chosen);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        List<String> stageProblems = Stages.problems(chosen, mc);
        if (!stageProblems.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--" + stageProblems.get(0));
        }
        if (gatewayUrl != null && mc.fromKeras() && mc.kerasWeights() != null) {
            // A remote gateway's trainers cannot read this machine's disk: the weights travel through the gateway.
            try {
                mc = mc.toBuilder().kerasWeights(new GatewayClient(gatewayUrl, apiKey).uploadWeights(Path.of(mc.kerasWeights()))).build();
            } catch (GatewayClient.GatewayException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--weights: " + e.getMessage());
            }
        }
        LadderOptions options = LadderOptions.of("exp-" + RunIds.newId().substring(4), dataset, mc).withSeed(seed)
                .withValFraction(valFraction).withBatchSize(batch).withFullDataSteps(fullSteps).withStages(chosenStages)
                .withRunTimeout(Duration.ofSeconds(timeoutSeconds)).withTraining(balance, augmentation);
        if (patience != null) {
            try {
                options = options.withEarlyStopping(LadderOptions.earlyStoppingAfter(patience));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--patience " + e.getMessage());
            }
        }
        if (space != null) {
            options = options.withStage(new Ablations(space));
        }
        dev.preflight.wire.Adversarial critic = critic(spec);
        if (critic != null) {
            options = options.withStage(new dev.preflight.recipe.AdversarialTraining(dev.preflight.recipe.AdversarialTraining.Thresholds.DEFAULT, critic));
        }
        if (ensembleTop != dev.preflight.recipe.Ensemble.DEFAULT_TOP_K) {
            try {
                options = options.withStage(dev.preflight.recipe.Ensemble.ofTopK(ensembleTop));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--ensemble-top: " + e.getMessage());
            }
        }
        Console console = new Console(System.out);
        if (gatewayUrl != null) {
            return climb(new GatewayClient(gatewayUrl, apiKey), new DataClient(dataUrl, apiKey), options, console);
        }
        if (!standalone) {
            java.util.Optional<StackState> running = StackState.running(out, note -> System.err.println("preflight: " + note));
            if (running.isPresent()) {
                return climbOn(running.get(), spec, options, console);
            }
        }
        Path root = StackOptions.home(home);
        DatasetPath local;
        java.util.Map<String, Object> registration;
        try {
            local = looksLikePath(dataset) ? DatasetPath.detect(Path.of(dataset)) : null;
            registration = local == null ? null : datasetOptions.registration(local);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        try (LocalStack stack = LocalStack.start(root, out, trainers, local == null ? null : local.dataRoot(), console::say)) {
            DataClient data = stack.data();
            if (local != null) {
                register(data, local, registration, console);
                options = options.withDataset(local.name());
            }
            return climb(stack.gateway(), data, options, console);
        }
    }

    /** Against the stack {@code preflight up} runs: a dataset given as a path must lie under its data root. */
    private int climbOn(StackState stack, CommandLine.Model.CommandSpec spec, LadderOptions options, Console console) {
        console.say("using the stack 'preflight up' runs (" + stack.gateway() + "; live page " + stack.gateway() + "/)");
        DataClient data = new DataClient(stack.dataService(), stack.apiKey());
        LadderOptions chosen = options;
        if (looksLikePath(dataset)) {
            DatasetPath local;
            java.util.Map<String, Object> registration;
            try {
                local = DatasetPath.detect(Path.of(dataset));
                registration = datasetOptions.registration(local);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            Path root = Path.of(stack.dataRoot()).toAbsolutePath().normalize();
            if (!local.path().startsWith(root) || local.path().equals(root)) {
                throw new CommandLine.ParameterException(spec.commandLine(), dataset + " is outside the data root of the running stack ("
                        + root + "): put it there, start 'preflight up --data-root DIR' with a root that holds it, or use --standalone");
            }
            registration.put("path", root.relativize(local.path()).toString());
            register(data, local, registration, console);
            chosen = options.withDataset(local.name());
        }
        return climb(new GatewayClient(stack.gateway(), stack.apiKey()), data, chosen, console);
    }

    private static void register(DataClient data, DatasetPath local, java.util.Map<String, Object> registration, Console console) {
        var summary = data.register(registration);
        if (summary.hasNonNull("error")) {
            // 409: a stack that stays up keeps its registrations; the first one's options stand.
            console.say("'" + local.name() + "' is already registered with this stack: " + summary.path("error").asText());
            return;
        }
        console.say("registered " + local.path() + " as '" + local.name() + "' (" + local.format() + ", "
                + summary.path("samples").asText("?") + " samples, " + summary.path("numClasses").asText("?") + " classes"
                + (summary.hasNonNull("givenSplit") ? ", given split: " + summary.path("givenSplit").asText() : "") + ")");
        summary.path("notes").forEach(n -> console.say("  note: " + n.asText()));
    }

    /** A dataset argument with a path separator, or naming something that exists, is a path; otherwise a name. */
    static boolean looksLikePath(String dataset) {
        return dataset.contains("/") || dataset.contains(java.io.File.separator) || java.nio.file.Files.exists(Path.of(dataset));
    }

    private int climb(GatewayClient gateway, DataClient data, LadderOptions options, Console console) {
        console.say("experiment " + options.experiment() + ": " + options.model().type() + " on " + options.dataset()
                + ", stages " + String.join(" -> ", options.stageNames()));
        Ladder ladder = new Ladder(gateway, data, options, console::progress, r -> {
            console.endProgress();
            console.say(r.name() + ": " + r.verdict() + " — " + r.summary());
        });
        Report report = ladder.run();
        Path html = ReportHtml.write(report, ladder.artifacts(), ladder.leaderboard(), out);
        console.say("plots: " + html);
        Path written = ReportWriter.write(report, out);
        console.verdictTable(report.stages());
        boolean complete = report.stages().size() == options.stages().size();
        if (!complete) {
            console.say("stopped after " + report.stages().get(report.stages().size() - 1).name() + "; not run: "
                    + options.stageNames().subList(report.stages().size(), options.stages().size()));
        }
        System.out.println(written);
        // Like a linter: warnings are reported, and only --strict makes them fail the command.
        boolean ok = report.stages().stream().allMatch(s -> s.verdict() == Verdict.PASS || (!strict && s.verdict() == Verdict.WARN));
        return complete && ok ? 0 : 1;
    }
}
