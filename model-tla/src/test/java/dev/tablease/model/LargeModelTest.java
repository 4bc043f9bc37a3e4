package dev.tablease.model;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/** The larger models: {@code mvn -pl model-tla verify -Ptlc-large} (several minutes). */
@EnabledIfSystemProperty(named = "tlc.large", matches = "true")
class LargeModelTest {

    @Test
    void threeKeysThreeSessionsBothCapsBindingSeparately() {
        NewDesignModelTest.assertHolds(
                TlcRuns.run("large-safety", TlcRuns.specDir(), "TabLease", "TabLeaseLarge.cfg", Duration.ofMinutes(60)));
    }

    @Test
    void oneKeyBothRequestClassesTwoHolders() {
        NewDesignModelTest.assertHolds(
                TlcRuns.run("onekey-safety", TlcRuns.specDir(), "TabLease", "TabLeaseOneKey.cfg", Duration.ofMinutes(60)));
    }

    @Test
    void livenessOnALongerClock() {
        NewDesignModelTest.assertHolds(
                TlcRuns.run("large-liveness", TlcRuns.specDir(), "TabLease", "TabLeaseLargeLiveness.cfg", Duration.ofMinutes(60)));
    }

    @Test
    void theHandWrittenFairnessGuardsEqualEnabled() {
        NewDesignModelTest.assertHolds(
                TlcRuns.run("fairness-guards", TlcRuns.specDir(), "TabLease", "TabLeaseEnabled.cfg", Duration.ofMinutes(60)));
    }
}
