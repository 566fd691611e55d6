package dev.preflight.gateway.rest;

import dev.preflight.report.LiveHtml;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** The live page at {@code /} ({@link LiveHtml}): what a browser pointed at the gateway shows. */
@Path("/")
public class LivePageResource {

    // Rendered once: the page is static, its script fetches everything that changes.
    private static final String PAGE = LiveHtml.render();

    @GET
    @Produces(MediaType.TEXT_HTML)
    @Operation(summary = "The live page", description = "HTML: experiments, runs, ablation trials and per-step curves, kept "
            + "current from /api/runs, /api/experiments and /api/runs/{id}/live.")
    public String page() {
        return PAGE;
    }
}
