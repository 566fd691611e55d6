package dev.preflight.wire;

/**
 * Where a trainer's step went besides the data wait and the TensorFlow session: the bookkeeping a pipeline adds to
 * an in-process training loop. {@code preflight bench} divides it by the compute time (target: at most 0.02).
 *
 * <p>A step's wall time ({@link TrainStep#stepSeconds()}) runs from the end of the previous step's compute to the end
 * of this one's, so the bookkeeping done for the previous step (its offset commit, its {@code TrainStep}, its
 * snapshot and checkpoint) is timed here, in the next step's record: {@code stepSeconds = dataWait + decode +
 * compute + commit + metrics + snapshot + checkpoint} (+ a few microseconds of loop). The first step of a job also
 * includes building the model and reading the step-0 snapshot, in none of the parts.
 *
 * @param decodeSeconds     decoding this step's batch record ({@link BatchCodec}) after it arrived
 * @param commitSeconds     committing the previous step's batch offset (asynchronous: the call, not the round trip)
 * @param metricsSeconds    encoding and handing the previous step's {@link TrainStep} to the Kafka producer
 * @param snapshotSeconds   reading the previous step's weights out of TensorFlow and handing them to the trainer's
 *                          snapshot publisher (which encodes and sends them on its own thread; waiting for the one
 *                          before if it is still in the works); 0 when no snapshot was due
 * @param checkpointSeconds reading, encoding and handing a checkpoint to the producer (every variable with the
 *                          optimiser state, on the training thread); 0 when none was due
 * @param snapshotBytes     bytes of the snapshot records the publisher handed to the producer since the previous
 *                          step's record (0 if none); the run's last snapshot follows its last step and is in none
 */
public record StepTiming(double decodeSeconds, double commitSeconds, double metricsSeconds, double snapshotSeconds,
                         double checkpointSeconds, long snapshotBytes) {

    /** The bookkeeping total: every part but the data wait and the compute. */
    public double totalSeconds() {
        return decodeSeconds + commitSeconds + metricsSeconds + snapshotSeconds + checkpointSeconds;
    }
}
