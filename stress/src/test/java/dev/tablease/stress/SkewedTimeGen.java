package dev.tablease.stress;

import org.jetbrains.lincheck.datastructures.ParameterGenerator;
import org.jetbrains.lincheck.datastructures.RandomProvider;

import java.util.Arrays;
import java.util.Random;

/**
 * Lincheck parameter generator for {@code now}: value {@code i} with weight {@code w[i]} of the
 * configuration "w0,w1,w2,...". Early times are likelier, so fewer operations arrive after a later one
 * (and are refused with {@code TIME_WENT_BACKWARDS}) and more of them reach the protocol's rules.
 */
public final class SkewedTimeGen implements ParameterGenerator<Integer> {
    private final Random random;
    private final int[] weights;
    private final int total;

    public SkewedTimeGen(RandomProvider randomProvider, String configuration) {
        this.random = randomProvider.createRandom();
        this.weights = Arrays.stream(configuration.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        this.total = Arrays.stream(weights).sum();
    }

    @Override
    public Integer generate() {
        int x = random.nextInt(total);
        for (int i = 0; i < weights.length; i++) {
            x -= weights[i];
            if (x < 0) {
                return i;
            }
        }
        return weights.length - 1;
    }
}
