package dev.preflight.data.service;

import dev.preflight.data.model.Dataset;
import dev.preflight.data.model.Split;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SplitsTest {

    private static final Dataset DATA = ShapesGenerator.generate(7, 400);

    @Test
    void splitIsStratifiedDisjointAndCoversEverything() {
        Split s = Splits.stratified(DATA, 42, 0.2);
        int[] valPerClass = new int[4];
        for (int i : s.val()) {
            valPerClass[DATA.label(i)]++;
        }
        assertArrayEquals(new int[]{20, 20, 20, 20}, valPerClass, "round(0.2 * 100) per class");

        int[] all = IntStream.concat(Arrays.stream(s.train()), Arrays.stream(s.val())).sorted().toArray();
        assertArrayEquals(IntStream.range(0, DATA.size()).toArray(), all, "disjoint and covering: a permutation of 0..n-1");
        assertEquals(320, s.trainSize());
    }

    @Test
    void sameSeedAndFractionGiveTheSameSplit() {
        Split a = Splits.stratified(DATA, 42, 0.2);
        Split b = Splits.stratified(DATA, 42, 0.2);
        assertArrayEquals(a.train(), b.train());
        assertArrayEquals(a.val(), b.val());
    }

    @Test
    void anotherSeedGivesAnotherSplit() {
        Split a = Splits.stratified(DATA, 42, 0.2);
        Split b = Splits.stratified(DATA, 43, 0.2);
        assertFalse(Arrays.equals(a.val(), b.val()));
        assertEquals(a.valSize(), b.valSize());
    }

    @Test
    void everyClassKeepsAtLeastOneSampleOnEachSide() {
        Dataset tiny = ShapesGenerator.generate(7, 8); // two samples per class
        Split low = Splits.stratified(tiny, 1, 0.01);
        Split high = Splits.stratified(tiny, 1, 0.99);
        for (Split s : new Split[]{low, high}) {
            assertEquals(4, s.valSize());
            assertEquals(4, s.trainSize());
            assertEquals(4, Arrays.stream(s.val()).map(tiny::label).distinct().count());
        }
    }

    @Test
    void fractionOutsideTheOpenIntervalIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Splits.stratified(DATA, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> Splits.stratified(DATA, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> Splits.stratified(DATA, 1, Double.NaN));
    }

    @Test
    void subsetIsDeterministicAndNested() {
        int[] train = Splits.stratified(DATA, 42, 0.2).train();
        int[] one = Splits.subset(train, 5, 1);
        int[] seven = Splits.subset(train, 5, 7);
        assertEquals(1, one.length);
        assertEquals(7, seven.length);
        assertArrayEquals(one, Splits.subset(train, 5, 1));
        assertArrayEquals(seven, Splits.subset(train, 5, 7));
        assertEquals(one[0], seven[0], "a larger subset extends the smaller one");
        assertEquals(7, Arrays.stream(seven).distinct().count());
        int[] sortedTrain = train.clone();
        Arrays.sort(sortedTrain);
        for (int i : seven) {
            assertTrue(Arrays.binarySearch(sortedTrain, i) >= 0, i + " is not a train sample");
        }
        assertFalse(Arrays.equals(seven, Splits.subset(train, 6, 7)), "another seed picks other samples");
    }

    @Test
    void subsetZeroIsTheWholeTrainSplit() {
        int[] train = Splits.stratified(DATA, 42, 0.2).train();
        assertArrayEquals(train, Splits.subset(train, 5, 0));
    }

    @Test
    void subsetLargerThanTrainIsRejected() {
        int[] train = Splits.stratified(DATA, 42, 0.2).train();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Splits.subset(train, 5, train.length + 1));
        assertTrue(e.getMessage().contains("subsetSize"), e.getMessage());
    }
}
