package dev.preflight.wire;

/**
 * A trainer's lease on a run, on {@link Topics#LEASES} (one partition, so every replica reads every lease record in the
 * same order). The holder writes one when it takes the run (a claim: epoch one above the last it saw) and renews it
 * every heartbeat; a tombstone (null value) releases it once the run's terminal event is out. A replica that sees no
 * renewal of an unreleased lease for the lease TTL declares the run lost and claims it with the next epoch.
 *
 * <p>Arbitration is by the log alone, so every replica reading it agrees. The topic stamps records with the broker's
 * append time (one clock). A record is accepted when there is no current lease, when it renews the current one (same
 * epoch, same worker), or when it claims a higher epoch at least the current lease's {@code ttlMs} after the current
 * lease's last accepted record (the lease had expired). Anything else is ignored: a late renewal of a replaced holder,
 * the second of two racing claims, a claim on a lease that is still being renewed. A holder that reads back an
 * accepted record of a higher epoch for its run has been fenced and stops without publishing.
 *
 * @param epoch     the lease's generation: 1 for the first holder, +1 at each takeover
 * @param submitted the run as submitted, so a replica that never saw the queue record can resume it
 * @param ttlMs     how long this lease lives without a renewal (the holder's setting)
 * @param step      the holder's last completed step when it wrote this (informational)
 * @param atMs      the holder's clock (informational; expiry is judged on the reader's own clock)
 */
public record RunLease(String runId, String worker, long epoch, RunSubmitted submitted, long ttlMs, int step, long atMs) {

    public static RunLease decode(byte[] bytes) {
        RunLease lease = Json.decode(bytes, RunLease.class);
        if (lease.runId() == null || !RunIds.isValid(lease.runId())) {
            throw new WireFormatException("RunLease.runId is missing or malformed: " + lease.runId());
        }
        if (lease.worker() == null || lease.worker().isBlank()) {
            throw new WireFormatException("RunLease.worker is required");
        }
        if (lease.epoch() < 1) {
            throw new WireFormatException("RunLease.epoch " + lease.epoch() + " < 1");
        }
        if (lease.ttlMs() < 1) {
            throw new WireFormatException("RunLease.ttlMs " + lease.ttlMs() + " < 1");
        }
        if (lease.submitted() == null || !lease.runId().equals(lease.submitted().runId())) {
            throw new WireFormatException("RunLease.submitted is required and must be the same run");
        }
        return lease;
    }

    /**
     * The arbitration rule, applied by every reader to every record in log order.
     *
     * @param current         the lease accepted so far, null if none (never claimed, or released)
     * @param currentAppendMs broker append time of the current lease's last accepted record
     * @param appendMs        broker append time of {@code next}
     */
    public static boolean supersedes(RunLease current, long currentAppendMs, RunLease next, long appendMs) {
        if (current == null) {
            return true;
        }
        if (next.epoch() == current.epoch()) {
            return next.worker().equals(current.worker());
        }
        return next.epoch() > current.epoch() && appendMs - currentAppendMs >= current.ttlMs();
    }
}
