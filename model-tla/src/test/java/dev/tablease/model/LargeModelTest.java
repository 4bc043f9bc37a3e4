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
                Tlc.run("large-safety", Tlc.specDir(), "TabLease", "TabLeaseLarge.cfg", Duration.ofMinutes(60)));
    }

    @Test
    void oneKeyBothRequestClassesTwoHolders() {
        NewDesignModelTest.assertHolds(
                Tlc.run("onekey-safety", Tlc.specDir(), "TabLease", "TabLeaseOneKey.cfg", Duration.ofMinutes(60)));
    }

    @Test
    void livenessOnALongerClock() {
        NewDesignModelTest.assertHolds(
                Tlc.run("large-liveness", Tlc.specDir(), "TabLease", "TabLeaseLargeLiveness.cfg", Duration.ofMinutes(60)));
    }

    @Test
    void theHandWrittenFairnessGuardsEqualEnabled() {
        NewDesignModelTest.assertHolds(
                Tlc.run("fairness-guards", Tlc.specDir(), "TabLease", "TabLeaseEnabled.cfg", Duration.ofMinutes(60)));
    }
}
