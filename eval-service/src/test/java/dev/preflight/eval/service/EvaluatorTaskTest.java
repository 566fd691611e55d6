package dev.preflight.eval.service;

import dev.preflight.nn.Task;
import dev.preflight.wire.Batch;
import dev.preflight.wire.DType;
import dev.preflight.wire.Snapshot;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class EvaluatorTaskTest {

    static final Batch SEG = new Batch(0, 0, DType.UINT8, new int[]{2, 2, 1}, 3, new int[1], new byte[]{9, 8, 7, 6},
            new byte[]{0, 1, 2, 1}, null, 0, null, null);

    static Snapshot snap(String task) {
        return new Snapshot("r", 1, null, new int[]{2, 2, 1}, 3, List.of(), task);
    }

    @Test
    void theSnapshotsTaskMustAgreeWithItsValBatchAndIsInferredFromItWhenAbsent() {
        assertEquals(Task.SEGMENTATION, Evaluator.taskOf(snap(null), SEG));
        assertEquals(Task.SEGMENTATION, Evaluator.taskOf(snap("SEGMENTATION"), SEG));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Evaluator.taskOf(snap("CLASSIFICATION"), SEG));
        assertEquals(true, e.getMessage().contains("CLASSIFICATION model"), e.getMessage());
    }

    @Test
    void theZeroInputBatchZeroesOnlyTheInputs() {
        Batch zero = Evaluator.zeroInputs(SEG);
        assertArrayEquals(new byte[4], zero.data());
        assertArrayEquals(SEG.masks(), zero.masks());
        assertArrayEquals(SEG.labels(), zero.labels());
        assertArrayEquals(new byte[]{9, 8, 7, 6}, SEG.data(), "the original batch is untouched");
    }
}
