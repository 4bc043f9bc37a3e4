package dev.tablease.serve.internal;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The token bucket on a test clock: a burst of one second's worth passes, then the rate, never more. */
class RateBoundTest {

    @Test
    void aBurstOfOneSecondsWorthPasses_thenTheRate_andTheBucketNeverHoldsMore() {
        AtomicLong nanos = new AtomicLong(0);
        RateBound bound = new RateBound(10, nanos::get);
        for (int i = 0; i < 10; i++) {
            assertTrue(bound.tryTake(), "burst request " + i);
        }
        assertFalse(bound.tryTake(), "the 11th request in the same instant");
        assertEquals(100, bound.retryAfterMillis(), "one token comes back every 100 ms");
        nanos.addAndGet(100_000_000);
        assertTrue(bound.tryTake());
        assertFalse(bound.tryTake());
        nanos.addAndGet(60_000_000_000L); // a minute idle refills one second's worth, not sixty
        int passed = 0;
        while (bound.tryTake()) {
            passed++;
        }
        assertEquals(10, passed);
    }

    @Test
    void aSteadyRateAboveTheBound_isCutToIt() {
        AtomicLong nanos = new AtomicLong(0);
        RateBound bound = new RateBound(100, nanos::get);
        int passed = 0;
        for (int i = 0; i < 10_000; i++) { // 1,000 requests a second for 10 s
            nanos.addAndGet(1_000_000);
            if (bound.tryTake()) {
                passed++;
            }
        }
        assertTrue(passed >= 1_000 && passed <= 1_100, "about 100/s for 10 s plus the first burst: " + passed);
    }

    @Test
    void aRateThatIsNotPositive_isRefused() {
        assertThrows(IllegalArgumentException.class, () -> new RateBound(0));
    }
}
