package dev.preflight.gateway.service;

import dev.preflight.gateway.config.GatewayConfig;
import dev.preflight.gateway.messaging.ControlPublisher;
import dev.preflight.wire.RunCommand;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.concurrent.TimeoutException;

/** Orders runs to stop: a {@link RunCommand} KILL on {@code preflight.control}, acknowledged by the broker. */
@ApplicationScoped
public class RunControlService {

    /** The broker did not confirm the command in time, or refused it: the run may still be running. */
    public static final class CommandNotConfirmedException extends RuntimeException {
        CommandNotConfirmedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final ControlPublisher publisher;
    private final GatewayConfig config;

    public RunControlService(ControlPublisher publisher, GatewayConfig config) {
        this.publisher = publisher;
        this.config = config;
    }

    /**
     * Publishes the kill and completes once Kafka has it. Whether the run is known and still live is the caller's
     * check: the command itself is harmless for a run no trainer holds (trainers ignore it).
     */
    public Uni<RunCommand> kill(String runId, String reason) {
        RunCommand command = new RunCommand(runId, RunCommand.Type.KILL, reason, System.currentTimeMillis());
        return publisher.publish(command)
                .ifNoItem().after(config.submitTimeout())
                .failWith(() -> new CommandNotConfirmedException("Kafka did not acknowledge the kill of " + runId
                        + " within " + config.submitTimeout(), new TimeoutException()))
                .onFailure(e -> !(e instanceof CommandNotConfirmedException))
                .transform(e -> new CommandNotConfirmedException("Kafka refused the kill of " + runId + ": " + e.getMessage(), e))
                .map(ignored -> command);
    }
}
