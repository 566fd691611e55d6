package dev.preflight.gateway.rest;

import dev.preflight.gateway.model.ErrorResponse;
import jakarta.ws.rs.core.Response;

import java.util.List;

/** An error answer with a JSON body, thrown from resource code and turned into a response by {@link ApiExceptionMapper}. */
public class ApiException extends RuntimeException {

    private final Response.Status status;
    private final ErrorResponse body;

    public ApiException(Response.Status status, String error, List<String> problems) {
        super(error);
        this.status = status;
        this.body = new ErrorResponse(error, problems);
    }

    public ApiException(Response.Status status, String error) {
        this(status, error, List.of());
    }

    public Response.Status status() {
        return status;
    }

    public ErrorResponse body() {
        return body;
    }
}
