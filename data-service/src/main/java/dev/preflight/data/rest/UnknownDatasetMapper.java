package dev.preflight.data.rest;

import dev.preflight.rest.ApiError;
import dev.preflight.data.service.UnknownDatasetException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/** Unknown dataset -> 404 naming it and the datasets that do exist. */
@Provider
public class UnknownDatasetMapper implements ExceptionMapper<UnknownDatasetException> {

    @Override
    public Response toResponse(UnknownDatasetException e) {
        return ApiError.response(Response.Status.NOT_FOUND, e.getMessage());
    }
}
