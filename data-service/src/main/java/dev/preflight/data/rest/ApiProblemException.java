package dev.preflight.data.rest;

import dev.preflight.rest.ApiError;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/** A request that cannot be served, with the status to answer and a message naming what is wrong. */
public class ApiProblemException extends RuntimeException {

    /** 422: the request is well-formed but the files it names are not a usable dataset. */
    public static final int UNPROCESSABLE = 422;

    private final int status;

    public ApiProblemException(Response.Status status, String message) {
        this(status.getStatusCode(), message);
    }

    /** For statuses {@link Response.Status} has no constant for (422). */
    public ApiProblemException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }

    @Provider
    public static class Mapper implements ExceptionMapper<ApiProblemException> {
        @Override
        public Response toResponse(ApiProblemException e) {
            return ApiError.response(e.status(), e.getMessage());
        }
    }
}
