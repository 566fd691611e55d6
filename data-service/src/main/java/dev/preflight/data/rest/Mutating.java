package dev.preflight.data.rest;

import jakarta.ws.rs.NameBinding;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks every endpoint that changes something (dataset registration). A JAX-RS name binding: {@link ApiKeyFilter}
 * applies to exactly these endpoints and to no read-only one. The gateway has the same annotation for submit and kill.
 */
@NameBinding
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface Mutating {
}
