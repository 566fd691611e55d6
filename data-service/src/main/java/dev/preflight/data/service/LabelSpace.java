package dev.preflight.data.service;

import dev.preflight.data.model.Dataset;

import java.util.ArrayList;
import java.util.List;

/**
 * Diagnoses a label space that is not "classes 0..C−1, each with samples" — the mistakes that otherwise pass every
 * later check silently: IDX labels 1..10 make 11 classes with an empty class 0 (and init-check then compares against
 * −ln(1/11)); one label 255 makes 256 classes; a binary mask stored as 0/255 trains a 256-class segmenter; an image
 * folder whose images sit one folder deeper leaves its class empty. Each problem names the classes or values and the
 * likely cause, so the data-check stage can FAIL with something to act on ("become one with the data", Karpathy 1).
 */
public final class LabelSpace {

    /** How many class names a message lists before "and N more". */
    private static final int LISTED = 10;

    private LabelSpace() {
    }

    /**
     * @param histogram per class, its samples (mask pixels for segmentation)
     * @return one line per problem; empty when every class 0..C−1 has samples and there are at least two
     */
    public static List<String> diagnose(Dataset d, int[] histogram) {
        List<String> names = d.classNames();
        List<Integer> present = new ArrayList<>();
        List<Integer> empty = new ArrayList<>();
        for (int c = 0; c < histogram.length; c++) {
            (histogram[c] > 0 ? present : empty).add(c);
        }
        List<String> problems = new ArrayList<>();
        String unit = d.isSegmentation() ? "mask pixels" : "samples";
        if (present.size() < 2) {
            String only = present.isEmpty() ? "no class" : "only class '" + names.get(present.get(0)) + "'";
            problems.add(only + " has " + unit + ": a one-class dataset has nothing to learn"
                    + (d.isSegmentation() ? " (every mask pixel has the same value: are the masks empty?)"
                    : " (is the label column right? are the class folders at the top of the dataset folder?)"));
        }
        // Most classes with a single sample: the label is an id or a continuous (regression) target, not a class.
        int singletons = 0;
        for (int c : present) {
            singletons += histogram[c] == 1 ? 1 : 0;
        }
        if (!d.isSegmentation() && present.size() >= 10 && singletons * 2 > present.size()) {
            problems.add(present.size() + " classes for " + d.size() + " samples, " + singletons + " of them with a single sample: the label "
                    + "looks like an id or a continuous (regression) target, not a class; choose another label column");
        }
        if (empty.isEmpty()) {
            return problems;
        }
        boolean valueNamed = valueNamed(names);
        String cause;
        if (valueNamed && empty.equals(List.of(0)) && present.size() >= 2) {
            cause = "labels run 1.." + (histogram.length - 1) + ": they look one-based; subtract 1 so they run 0.."
                    + (histogram.length - 2);
        } else if (valueNamed && d.isSegmentation() && present.equals(List.of(0, 255))) {
            cause = "mask values are only 0 and 255: a binary mask stored as black/white (0/255); store it as 0/1 "
                    + "(255 does not mean class 255)";
        } else if (valueNamed && isMarker(present)) {
            int marker = present.get(present.size() - 1);
            cause = "value " + marker + " (" + histogram[marker] + " " + unit + ") lies far above the other values 0.."
                    + present.get(present.size() - 2) + ": it is probably a 'no label'/'ignore' marker"
                    + (marker == 255 ? " (255 is the usual one, e.g. Pascal VOC's void)" : "") + ", not a class; drop or relabel those "
                    + (d.isSegmentation() ? "pixels" : "samples");
        } else if (valueNamed) {
            cause = "label values are not 0..C-1 (values present: " + list(present, names) + ")";
        } else {
            // The loader's own explanation for an empty class (e.g. its images sit in a sub-folder) is the best evidence.
            List<String> explained = new ArrayList<>();
            for (String note : d.notes()) {
                for (int c : empty) {
                    if (note.contains("'" + names.get(c) + "'")) {
                        explained.add(note);
                        break;
                    }
                }
            }
            cause = explained.isEmpty() ? "every class needs samples (an empty folder, or images one folder too deep?)"
                    : String.join("; ", explained);
        }
        problems.add(empty.size() + " of " + histogram.length + " classes have no " + unit + " (" + list(empty, names) + "): " + cause);
        return problems;
    }

    /** Classes named by their own index ("0", "1", ...): labels were numbers and the class count is max + 1. */
    private static boolean valueNamed(List<String> names) {
        for (int c = 0; c < names.size(); c++) {
            if (!names.get(c).equals(String.valueOf(c))) {
                return false;
            }
        }
        return true;
    }

    /** The largest present value stands alone far above a contiguous run 0..k (k + 1 < value, at least 2 of them). */
    private static boolean isMarker(List<Integer> present) {
        int n = present.size();
        if (n < 3) {
            return false;
        }
        for (int i = 0; i < n - 1; i++) {
            if (present.get(i) != i) {
                return false;
            }
        }
        return present.get(n - 1) > present.get(n - 2) + 1;
    }

    private static String list(List<Integer> classes, List<String> names) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(LISTED, classes.size()); i++) {
            s.append(i == 0 ? "" : ", ").append('\'').append(names.get(classes.get(i))).append('\'');
        }
        if (classes.size() > LISTED) {
            s.append(" and ").append(classes.size() - LISTED).append(" more");
        }
        return s.toString();
    }
}
