package dev.preflight.gateway.rest;

import dev.preflight.gateway.model.ErrorResponse;
import dev.preflight.gateway.service.DataServiceCheck;
import dev.preflight.gateway.service.RunControlService.CommandNotConfirmedException;
import dev.preflight.gateway.service.RunSubmissionService.NotConfirmedException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every API error is JSON of one shape, {@link ErrorResponse}, so clients parse failures like successes. */
public class ApiExceptionMapper {

    @ServerExceptionMapper
    public Response apiError(ApiException e) {
        return Response.status(e.status()).type(MediaType.APPLICATION_JSON).entity(e.body()).build();
    }

    /**
     * 503 and not 500: the spec was fine, Kafka was not reachable in time. The run may still land if the broker
     * acknowledges late, which is why the answer carries its id.
     */
    @ServerExceptionMapper
    public Response notConfirmed(NotConfirmedException e) {
        ErrorResponse body = new ErrorResponse(e.getMessage() + "; it may still be accepted, see GET /api/runs/" + e.runId());
        return Response.status(Response.Status.SERVICE_UNAVAILABLE).type(MediaType.APPLICATION_JSON).entity(body).build();
    }

    /** 400: the data-service would refuse the run (unknown dataset, subset larger than the train split, ...). */
    @ServerExceptionMapper
    public Response dataRejected(DataServiceCheck.RejectedException e) {
        ErrorResponse body = new ErrorResponse("invalid run spec: the data-service would refuse it", e.problems());
        return Response.status(Response.Status.BAD_REQUEST).type(MediaType.APPLICATION_JSON).entity(body).build();
    }

    /** 503: the run could not be checked, so it was not submitted; the message says why, retrying is harmless. */
    @ServerExceptionMapper
    public Response dataUnavailable(DataServiceCheck.UnavailableException e) {
        ErrorResponse body = new ErrorResponse(e.getMessage() + "; the run was not submitted");
        return Response.status(Response.Status.SERVICE_UNAVAILABLE).type(MediaType.APPLICATION_JSON).entity(body).build();
    }

    /** 503: the kill may or may not have reached Kafka; repeating it is harmless. */
    @ServerExceptionMapper
    public Response commandNotConfirmed(CommandNotConfirmedException e) {
        ErrorResponse body = new ErrorResponse(e.getMessage() + "; the run may still be running, retry the kill");
        return Response.status(Response.Status.SERVICE_UNAVAILABLE).type(MediaType.APPLICATION_JSON).entity(body).build();
    }
}
