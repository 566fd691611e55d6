package dev.preflight.data.rest;

import dev.preflight.rest.ApiError;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/** Missing or out-of-range query parameter -> 400 naming it. */
@Provider
public class BadParameterMapper implements ExceptionMapper<BadParameterException> {

    @Override
    public Response toResponse(BadParameterException e) {
        return ApiError.response(Response.Status.BAD_REQUEST, e.getMessage());
    }
}
