package dev.preflight.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.List;

/**
 * The body of every 4xx answer of the data-service and of the HTTP layer of both services: one sentence that names
 * what was wrong, and where a request had several faults, each of them in {@code problems} (left out when empty).
 * Always JSON, also on endpoints that otherwise answer with bytes: a caller decoding a batch must be able to tell "you
 * asked wrong" from a batch, and read why. The gateway's own {@code ErrorResponse} has the same JSON shape.
 */
public record ApiError(String error, @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> problems) {

    public ApiError(String error) {
        this(error, List.of());
    }

    public static Response response(Response.Status status, String message) {
        return response(status.getStatusCode(), message);
    }

    public static Response response(int status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(new ApiError(message)).build();
    }
}
