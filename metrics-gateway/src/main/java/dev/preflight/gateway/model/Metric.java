package dev.preflight.gateway.model;

import dev.preflight.wire.TrainStep;
import dev.preflight.wire.ValStep;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * A per-step series the history endpoint can return on its own, and the value behind the Prometheus gauge
 * {@code preflight_<name>}. Each metric comes from exactly one of the two step streams.
 */
public enum Metric {
    TRAIN_LOSS("train_loss", TrainStep::loss, null),
    STEP_SECONDS("step_seconds", TrainStep::stepSeconds, null),
    DATA_WAIT_SECONDS("data_wait_seconds", TrainStep::dataWaitSeconds, null),
    COMPUTE_SECONDS("compute_seconds", TrainStep::computeSeconds, null),
    SAMPLES_PER_SECOND("samples_per_second", TrainStep::samplesPerSecond, null),
    VAL_LOSS("val_loss", null, ValStep::valLoss),
    VAL_ACCURACY("val_accuracy", null, ValStep::valAccuracy),
    /** Macro F1 of classification runs; undefined (NaN, and no history point) for other tasks and older messages. */
    VAL_F1("val_f1", null, v -> v.macroF1() == null ? Double.NaN : v.macroF1()),
    /**
     * Adversarial runs ({@code RunSpec.adversarial}): the critic's Wasserstein-1 estimate {@code mean D(real) - mean
     * D(generated)} of the step (should shrink as the generator improves); undefined for other runs.
     */
    CRITIC_WASSERSTEIN_ESTIMATE("critic_wasserstein_estimate", t -> t.critic() == null ? Double.NaN : t.critic().wassersteinEstimate(), null),
    /** Adversarial runs: the critic's loss at its last update of the step; undefined for other runs. */
    CRITIC_LOSS("critic_loss", t -> t.critic() == null ? Double.NaN : t.critic().criticLoss(), null),
    /** Adversarial runs: the generator's adversarial loss {@code -mean D(x, G(x))} (its L1 is train_loss); undefined otherwise. */
    GENERATOR_ADVERSARIAL_LOSS("generator_adversarial_loss", t -> t.critic() == null ? Double.NaN : t.critic().generatorAdversarialLoss(), null);

    private final String id;
    private final ToDoubleFunction<TrainStep> fromTrain;
    private final ToDoubleFunction<ValStep> fromVal;

    Metric(String id, ToDoubleFunction<TrainStep> fromTrain, ToDoubleFunction<ValStep> fromVal) {
        this.id = id;
        this.fromTrain = fromTrain;
        this.fromVal = fromVal;
    }

    /** The name used in URLs ({@code ?metric=train_loss}) and, prefixed with {@code preflight_}, in Prometheus. */
    public String id() {
        return id;
    }

    public boolean fromTrain() {
        return fromTrain != null;
    }

    public double of(TrainStep step) {
        return fromTrain.applyAsDouble(step);
    }

    public double of(ValStep step) {
        return fromVal.applyAsDouble(step);
    }

    /**
     * Whether the step carries this metric. Only optional fields can be missing: a history series leaves such steps
     * out rather than returning NaN, which JSON cannot hold. A NaN train loss is a value and stays in.
     */
    public boolean definedFor(ValStep step) {
        return this != VAL_F1 || step.macroF1() != null;
    }

    /** As {@link #definedFor(ValStep)}: the critic's metrics exist only in adversarial runs' steps. */
    public boolean definedFor(TrainStep step) {
        return !CRITIC.contains(this) || step.critic() != null;
    }

    private static final java.util.Set<Metric> CRITIC = java.util.EnumSet.of(CRITIC_WASSERSTEIN_ESTIMATE, CRITIC_LOSS, GENERATOR_ADVERSARIAL_LOSS);

    public static Optional<Metric> byId(String id) {
        return Arrays.stream(values()).filter(m -> m.id.equals(id)).findFirst();
    }

    public static List<String> ids() {
        return Arrays.stream(values()).map(Metric::id).toList();
    }
}
