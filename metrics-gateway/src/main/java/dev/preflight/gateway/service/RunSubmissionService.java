package dev.preflight.gateway.service;

import dev.preflight.gateway.config.GatewayConfig;
import dev.preflight.gateway.messaging.RunPublisher;
import dev.preflight.wire.RunIds;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.RunSubmitted;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/** Accepts a valid spec: gives it an id, makes it durable on Kafka, and only then records it as submitted. */
@ApplicationScoped
public class RunSubmissionService {

    /** The broker did not confirm the run in time, or refused it; the run id tells the caller what to look for. */
    public static final class NotConfirmedException extends RuntimeException {
        private final String runId;

        NotConfirmedException(String runId, String message, Throwable cause) {
            super(message, cause);
            this.runId = runId;
        }

        public String runId() {
            return runId;
        }
    }

    private final RunPublisher publisher;
    private final RunStore store;
    private final GatewayConfig config;
    private final DataServiceCheck dataCheck;

    public RunSubmissionService(RunPublisher publisher, RunStore store, GatewayConfig config, DataServiceCheck dataCheck) {
        this.publisher = publisher;
        this.store = store;
        this.config = config;
        this.dataCheck = dataCheck;
    }

    /**
     * Completes with the accepted run once Kafka has acknowledged it. Fails with {@link DataServiceCheck.RejectedException}
     * (the data-service would refuse the run: nothing published), {@link DataServiceCheck.UnavailableException} (it
     * could not be asked: nothing published) or {@link NotConfirmedException}.
     */
    public Uni<RunSubmitted> submit(RunSpec spec) {
        return dataCheck.check(spec).chain(() -> publish(spec));
    }

    private Uni<RunSubmitted> publish(RunSpec spec) {
        RunSubmitted run = new RunSubmitted(RunIds.newId(), spec, System.currentTimeMillis());
        return publisher.publish(run)
                .ifNoItem().after(config.submitTimeout())
                .failWith(() -> new NotConfirmedException(run.runId(),
                        "Kafka did not acknowledge run " + run.runId() + " within " + config.submitTimeout(), null))
                .onFailure(e -> !(e instanceof NotConfirmedException))
                .transform(e -> new NotConfirmedException(run.runId(),
                        "Kafka refused run " + run.runId() + ": " + e.getMessage(), e))
                // Recorded only after the ack: the gateway never shows a run that other services cannot see.
                .map(ignored -> {
                    store.submitted(run);
                    return run;
                });
    }
}
