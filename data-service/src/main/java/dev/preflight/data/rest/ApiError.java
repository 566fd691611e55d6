package dev.preflight.data.rest;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * The body of every 4xx answer: one sentence that names what was wrong. Always JSON, also on endpoints that otherwise
 * answer with bytes: a caller decoding a batch must be able to tell "you asked wrong" from a batch, and read why.
 */
public record ApiError(String error) {

    static Response response(Response.Status status, String message) {
        return response(status.getStatusCode(), message);
    }

    static Response response(int status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(new ApiError(message)).build();
    }
}
