package dev.preflight.gateway.rest;

import jakarta.ws.rs.NameBinding;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks every endpoint that changes something (submit, kill). A JAX-RS name binding: a request filter annotated
 * {@code @Mutating} (an API-key check, say) applies to exactly these endpoints and to no read-only one, so
 * credentials can be required in one class without touching the resources.
 */
@NameBinding
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface Mutating {
}
