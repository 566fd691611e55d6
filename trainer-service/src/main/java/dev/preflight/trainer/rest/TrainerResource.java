package dev.preflight.trainer.rest;

import dev.preflight.trainer.messaging.RunQueue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** What this replica is doing: which run, if any. */
@Path("/api/trainer")
@Produces(MediaType.APPLICATION_JSON)
public class TrainerResource {

    public record Status(String worker, String currentRun) {
    }

    private final RunQueue queue;

    public TrainerResource(RunQueue queue) {
        this.queue = queue;
    }

    @GET
    @Operation(summary = "This trainer replica's name and the run it is training (null when idle)")
    public Status status() {
        return new Status(queue.worker(), queue.currentRun());
    }
}
