package dev.tablease.stress.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The statistics the report judges the targets by: the median of the rounds' ratios. */
class RunBenchmarksMedianTest {

    @Test
    void medianOfAnOddCountIsTheMiddleValueWhateverTheOrder() {
        assertEquals(0.30, RunBenchmarks.median(new double[] {0.22, 0.34, 0.30, 0.33, 0.29}));
    }

    @Test
    void oneSlowRoundDoesNotMoveTheMedianBelowTheOthers() {
        // the first 8-thread round of a real run: 0.22 while the other four were 0.30-0.34
        assertTrue(RunBenchmarks.median(new double[] {0.22, 0.33, 0.34, 0.30, 0.33}) >= 0.30);
    }

    @Test
    void medianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertEquals(5.5, RunBenchmarks.median(new double[] {6.0, 5.0}));
        assertEquals(2.5, RunBenchmarks.median(new double[] {4.0, 1.0, 3.0, 2.0}));
    }

    @Test
    void medianOfNothingIsNaN() {
        assertTrue(Double.isNaN(RunBenchmarks.median(new double[0])));
    }

    @Test
    void medianLeavesItsInputInOrder() {
        double[] rounds = {3.0, 1.0, 2.0};
        RunBenchmarks.median(rounds);
        assertEquals(3.0, rounds[0]);
    }

    @Test
    void fewerThanOneRoundIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RunBenchmarks.Settings.standard().withRounds(0));
        assertTrue(e.getMessage().contains("at least 1"), e.getMessage());
    }
}
