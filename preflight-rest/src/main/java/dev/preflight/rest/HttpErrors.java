package dev.preflight.rest;

import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.NotAcceptableException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.Set;
import java.util.TreeSet;

/**
 * Every answer the HTTP layer gives on its own, before or beside the resources, as JSON {@link ApiError} naming the
 * problem, like the resources' own: a body over the limit (413, checked from Content-Length before it is read), a
 * path no endpoint serves (404), a method an endpoint does not have (405), a Content-Type it does not take (415), an
 * Accept it cannot produce (406). Without this they are empty bodies or an HTML page. The size limit is the service's
 * {@link BodyLimits} per path where it provides one, else {@code quarkus.http.limits.max-body-size} for every path.
 *
 * <p>Left to the HTTP codec, without a body: a request line over {@code quarkus.http.limits.max-initial-line-length}
 * (414) or headers over their limit (431); Vert.x answers those before any handler runs.
 */
@ApplicationScoped
public class HttpErrors {

    private final BodyLimits limits;

    public HttpErrors(@ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10240K") MemorySize maxBody,
                      jakarta.enterprise.inject.Instance<BodyLimits> provided) {
        long max = maxBody.asLongValue();
        this.limits = provided.isResolvable() ? provided.get() : new BodyLimits() {
            @Override
            public long maxBytes(String path) {
                return max;
            }

            @Override
            public String tooLarge(String path, Long bytes) {
                return "request body " + (bytes == null ? "" : "of " + bytes + " bytes ") + "is over the limit of " + max
                        + " bytes (quarkus.http.limits.max-body-size)";
            }
        };
    }

    void routes(@Observes Router router) {
        // Before Quarkus's own upload limit (which answers 413 with no body): the same limit, with a message.
        router.route().order(RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT - 1).handler(this::limitBody);
        router.errorHandler(404, ctx -> json(ctx, 404, "no endpoint at " + ctx.request().method() + " " + ctx.request().path()
                + " (the API is described at /q/openapi)"));
        // A body without Content-Length (chunked) that grows past the limit while it is read.
        router.errorHandler(413, ctx -> json(ctx, 413, limits.tooLarge(ctx.request().path(), null)));
    }

    private void limitBody(RoutingContext ctx) {
        String length = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            long bytes;
            try {
                bytes = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                json(ctx, 400, "Content-Length must be a number of bytes, was '" + length + "'");
                return;
            }
            String path = ctx.request().path();
            if (bytes > limits.maxBytes(path)) {
                ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
                json(ctx, 413, limits.tooLarge(path, bytes));
                return;
            }
        }
        ctx.next();
    }

    private static void json(RoutingContext ctx, int status, String message) {
        if (ctx.response().ended()) {
            return;
        }
        ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, MediaType.APPLICATION_JSON)
                .end(new JsonObject().put("error", message).encode());
    }

    /** JAX-RS's own refusals (a known path with the wrong method, media type, ...), which otherwise have no body. */
    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e, UriInfo uri, jakarta.ws.rs.core.Request request,
                                   jakarta.ws.rs.core.HttpHeaders headers) {
        int status = e.getResponse().getStatus();
        String target = request.getMethod() + " /" + uri.getPath().replaceFirst("^/", "");
        String message;
        if (e instanceof NotAllowedException) {
            Set<String> allowed = new TreeSet<>(e.getResponse().getAllowedMethods());
            message = "method " + request.getMethod() + " is not allowed on /" + uri.getPath().replaceFirst("^/", "")
                    + (allowed.isEmpty() ? " (the API is described at /q/openapi)" : ", allowed: " + allowed);
        } else if (e instanceof NotSupportedException) {
            MediaType type = headers.getMediaType();
            message = target + " does not take " + (type == null ? "a body without Content-Type" : "Content-Type " + type)
                    + ": send " + limits.accepts("/" + uri.getPath().replaceFirst("^/", ""));
        } else if (e instanceof NotAcceptableException) {
            message = target + " cannot answer in " + headers.getAcceptableMediaTypes();
        } else if (e instanceof NotFoundException) {
            message = "no endpoint at " + target + " (the API is described at /q/openapi)";
        } else {
            String own = e.getMessage();
            Response.StatusType reason = Response.Status.fromStatusCode(status);
            message = target + ": " + (own != null && !own.isBlank() ? own : reason != null ? reason.getReasonPhrase() : "HTTP " + status);
        }
        Response.ResponseBuilder answer = Response.status(status).type(MediaType.APPLICATION_JSON).entity(new ApiError(message));
        e.getResponse().getHeaders().forEach((name, values) -> {
            if (!name.equalsIgnoreCase("Content-Type") && !name.equalsIgnoreCase("Content-Length")) {
                values.forEach(v -> answer.header(name, v));
            }
        });
        return answer.build();
    }
}
