package dev.preflight.data.service;

import java.util.Collection;

/** A dataset name that is not registered. The message names it and lists the ones that are. */
public class UnknownDatasetException extends RuntimeException {

    private final String dataset;

    public UnknownDatasetException(String dataset, Collection<String> known) {
        super("unknown dataset '" + dataset + "', known datasets: " + known);
        this.dataset = dataset;
    }

    public String dataset() {
        return dataset;
    }
}
