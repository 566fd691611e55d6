package dev.preflight.recipe;

/** Outcome of one recipe stage. FAIL stops the ladder. */
public enum Verdict { PASS, WARN, FAIL }
