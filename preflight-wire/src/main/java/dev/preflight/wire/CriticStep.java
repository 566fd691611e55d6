package dev.preflight.wire;

/**
 * The critic's side of one adversarial train step ({@link Adversarial}), published in {@link TrainStep#critic()}: the
 * recipe's "log every batch" for the second player. All values are on the step's train batch.
 *
 * @param wassersteinEstimate   {@code mean D(x, y) - mean D(x, G(x))} after the step's critic updates, before the
 *                              generator's: the critic's estimate of the Wasserstein-1 distance between real and
 *                              generated pairs (up to the Lipschitz constant clipping gives it). It should shrink as the
 *                              generator improves; NaN or growth without bound means the critic diverges
 * @param criticLoss            what the critic minimises, {@code mean D(fake) - mean D(real)}, at its last update (the
 *                              negated estimate before that update)
 * @param criticGradNorm        global L2 norm of the critic's gradient at its last update
 * @param criticUpdates         critic updates this step ({@link Adversarial#criticUpdatesAt})
 * @param generatorAdversarialLoss the generator's adversarial term {@code -mean D(x, G(x))}, before its update (not yet
 *                              multiplied by {@code adversarialWeight}); the step's L1 is {@link TrainStep#loss()}
 */
public record CriticStep(double wassersteinEstimate, double criticLoss, double criticGradNorm, int criticUpdates,
                         double generatorAdversarialLoss) {
}
