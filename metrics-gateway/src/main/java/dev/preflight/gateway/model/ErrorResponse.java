package dev.preflight.gateway.model;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * Every error the API returns. {@code problems} lists each individual fault (one per invalid field) so a client can
 * show them all at once instead of making the user fix them one round trip at a time.
 */
public record ErrorResponse(String error, @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> problems) {

    public ErrorResponse(String error) {
        this(error, List.of());
    }
}
