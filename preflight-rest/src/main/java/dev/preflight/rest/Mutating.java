package dev.preflight.rest;

import jakarta.ws.rs.NameBinding;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks every endpoint that changes something (the gateway's submit and kill, the data-service's dataset registration).
 * A JAX-RS name binding: {@link ApiKeyFilter} applies to exactly these endpoints and to no read-only one, so credentials
 * are required in one class without touching the resources.
 */
@NameBinding
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface Mutating {
}
