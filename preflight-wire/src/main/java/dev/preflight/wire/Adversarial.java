package dev.preflight.wire;

import java.util.List;

/**
 * A run option ({@code RunSpec.adversarial}): train the run's generator against a Wasserstein critic (WGAN, Arjovsky et
 * al. 2017) on top of its L1 loss. The recipe's order (Niessner 12/n): "always start without a discriminator loss ...
 * just do a simple L1 regression first - only once that works, add the D ... Wasserstein is a good choice". So the
 * generator normally starts from an L1 run's weights ({@code RunSpec.initFrom}) and keeps its L1 term: the critic
 * refines a mapping that already works rather than having to find one.
 *
 * <p>Each train step runs {@code criticSteps} critic updates on the step's batch (the pipeline streams one batch per
 * step), each followed by clipping every critic weight to [-clip, clip] (the WGAN paper's Lipschitz constraint), then
 * one generator update of {@code L1 + adversarialWeight * -mean D(x, G(x))}. The critic is conditional: it scores the
 * pair (input, image), the real pair (input, target) against the fake pair (input, G(input)). Its estimate of the
 * Wasserstein distance is {@code mean D(real) - mean D(fake)}, reported per step ({@link TrainStep#critic()}).
 *
 * <p>Weight clipping rather than a gradient penalty: the penalty needs the gradient of a gradient through every conv,
 * which TensorFlow's C++ gradient registry (what TF Java's graph mode has) does not provide for all of their backprop
 * ops. Clipping is what the WGAN paper trains with, with RMSProp (momentum-free: the paper saw Adam destabilise a
 * clipped critic), which is what the critic uses.
 *
 * @param criticSteps        critic updates per generator update, "n_critic"; default {@value #DEFAULT_CRITIC_STEPS}
 *                           (the WGAN paper's)
 * @param clip               every critic weight is clipped to [-clip, clip] after each critic update; default
 *                           {@value #DEFAULT_CLIP}. The paper's 0.01 is for critics with batch norm, which rescales
 *                           activations; this critic has none (a score must not depend on the batch), and at 0.01 its
 *                           scores were ~1e-6 with no gradient for the generator (measured on 8x8 denoising pairs)
 * @param criticLearningRate the critic's RMSProp learning rate; default {@value #DEFAULT_CRITIC_LEARNING_RATE}. The
 *                           paper's 5e-5 takes thousands of steps; a preflight check has a few hundred. Measured on 8x8
 *                           denoising pairs over 300 steps (adversarialWeight 0.1): at 1e-3 the estimate peaked after ~100
 *                           steps, at 3e-3 within the warm-up, then shrank by half as the generator caught up
 * @param adversarialWeight  weight of the generator's adversarial loss {@code -mean D(x, G(x))} next to its L1 loss
 *                           (weight 1); default {@value #DEFAULT_ADVERSARIAL_WEIGHT}, pix2pix's ratio (Isola et al. 2017:
 *                           L1 weighted 100 per unit of adversarial loss). Measured on shapes-paired, 100 steps from the
 *                           L1 run: at 0.1 the generator chased the critic and val L1 rose 32 % (lr 1e-3, batch 64; the
 *                           adversarial stage FAILs that); at 0.03, -7 % and +15 % (lr 3e-3, batch 32); at 0.01, -23 % and
 *                           -17 %, the critic's estimate shrinking 68 % and 88 % from its peak
 * @param criticChannels     the critic's conv widths, one stride-2 conv (ReLU) per width, then the mean over the image
 *                           and a linear score; default [16, 32]
 * @param warmupSteps        in the run's first this many steps the critic takes {@value #WARMUP_FACTOR} x criticSteps
 *                           updates per step (the WGAN reference code's extra critic iterations at the start, spread over
 *                           as many batches so the critic does not memorise one): a critic that has not yet learnt to
 *                           tell real from generated pairs gives the generator no useful gradient, and its estimate
 *                           grows with its own training rather than shrinking with the generator's; default
 *                           {@value #DEFAULT_WARMUP_STEPS}
 */
public record Adversarial(Integer criticSteps, Double clip, Double criticLearningRate, Double adversarialWeight,
                          List<Integer> criticChannels, Integer warmupSteps) {

    public static final int DEFAULT_CRITIC_STEPS = 5;
    public static final double DEFAULT_CLIP = 0.1;
    public static final double DEFAULT_CRITIC_LEARNING_RATE = 3e-3;
    public static final double DEFAULT_ADVERSARIAL_WEIGHT = 0.01;
    public static final List<Integer> DEFAULT_CRITIC_CHANNELS = List.of(16, 32);
    public static final int DEFAULT_WARMUP_STEPS = 20;
    /** Critic updates per warm-up step, as a multiple of {@code criticSteps}. */
    public static final int WARMUP_FACTOR = 5;
    /** Most critic updates per step: each is a session run over the step's batch. */
    public static final int MAX_CRITIC_STEPS = 50;

    /** Every default. */
    public static final Adversarial DEFAULT = new Adversarial(null, null, null, null, null, null);

    public Adversarial {
        criticChannels = criticChannels == null ? null : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(criticChannels));
    }

    public int criticStepsOrDefault() {
        return criticSteps == null ? DEFAULT_CRITIC_STEPS : criticSteps;
    }

    public double clipOrDefault() {
        return clip == null ? DEFAULT_CLIP : clip;
    }

    public double criticLearningRateOrDefault() {
        return criticLearningRate == null ? DEFAULT_CRITIC_LEARNING_RATE : criticLearningRate;
    }

    public double adversarialWeightOrDefault() {
        return adversarialWeight == null ? DEFAULT_ADVERSARIAL_WEIGHT : adversarialWeight;
    }

    public List<Integer> criticChannelsOrDefault() {
        return criticChannels == null ? DEFAULT_CRITIC_CHANNELS : criticChannels;
    }

    public int warmupStepsOrDefault() {
        return warmupSteps == null ? DEFAULT_WARMUP_STEPS : warmupSteps;
    }

    /**
     * Critic updates in train step {@code step} (1-based): {@value #WARMUP_FACTOR} x {@code criticSteps} in the first
     * {@code warmupSteps} steps, {@code criticSteps} after. Counted by the run's step, so a resumed run keeps to it.
     */
    public int criticUpdatesAt(int step) {
        return step <= warmupStepsOrDefault() ? WARMUP_FACTOR * criticStepsOrDefault() : criticStepsOrDefault();
    }

    /** Adds each problem, naming the field under {@code prefix} (e.g. "adversarial."). */
    public void validate(String prefix, List<String> problems) {
        if (criticSteps != null && (criticSteps < 1 || criticSteps > MAX_CRITIC_STEPS)) {
            problems.add(prefix + "criticSteps must be in [1, " + MAX_CRITIC_STEPS + "], was " + criticSteps);
        }
        if (clip != null && !(clip > 0 && Double.isFinite(clip))) {
            problems.add(prefix + "clip must be a finite number > 0, was " + clip);
        }
        if (criticLearningRate != null && !(criticLearningRate > 0 && Double.isFinite(criticLearningRate))) {
            problems.add(prefix + "criticLearningRate must be a finite number > 0, was " + criticLearningRate);
        }
        if (adversarialWeight != null && !(adversarialWeight >= 0 && Double.isFinite(adversarialWeight))) {
            problems.add(prefix + "adversarialWeight must be a finite number >= 0, was " + adversarialWeight);
        }
        if (criticChannels != null) {
            if (criticChannels.isEmpty() || criticChannels.size() > 4) {
                problems.add(prefix + "criticChannels must have 1 to 4 widths, was " + criticChannels);
            } else if (criticChannels.stream().anyMatch(c -> c == null || c < 1 || c > 512)) {
                problems.add(prefix + "criticChannels must be widths in [1, 512], was " + criticChannels);
            }
        }
        if (warmupSteps != null && (warmupSteps < 0 || warmupSteps > RunSpec.MAX_STEPS)) {
            problems.add(prefix + "warmupSteps must be in [0, " + RunSpec.MAX_STEPS + "], was " + warmupSteps);
        }
    }
}
