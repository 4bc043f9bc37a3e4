package dev.tablease.stress;

import dev.tablease.kernel.GoneCause;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.InvalidInputException;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.Outcome;
import dev.tablease.kernel.SharedLeaseKernel;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;

import java.util.stream.Collectors;

/**
 * The facade's operations as Lincheck sees them, over small domains: 2 keys, 3 sessions ({@code s1} and
 * {@code s3} of key {@code a}, cap 1; {@code s2} of key {@code b}, cap 2; 2 tabs in all), 2 holders,
 * tokens 1..3, tabs 1..3 (target {@code T<tab>}). Every scenario starts from the same state, set up at
 * time 0 by {@link #setUp()}: {@code s1} holds tab 1 with token 1, {@code s2} holds tab 2 with token 2
 * (both caps that matter are full), so heartbeats, releases, writes, tab deaths and expiries act on
 * something from the first operation on.
 *
 * <p><b>Time.</b> Every operation takes its {@code now} from a small parameter domain (0..3 ms, skewed
 * towards 0 by {@link SkewedTimeGen}) and the durations are as small (heartbeat timeout 2, deadline
 * budget 3, pool TTL 3, queue timeout 2), so leases, deadlines, pooled tabs and waiters all expire inside
 * one scenario. An operation whose {@code now} is behind the kernel's clock is refused
 * ({@code TIME_WENT_BACKWARDS}) and that refusal is part of its result: it depends on the linearization
 * order like any other result, so it is checked, not excluded (it is how Lincheck sees a lost update of
 * the clock). About half the operations of a random scenario end so; the rest reach the rules (about 2%
 * grants, 1% heartbeats, 18% revocations, 5% stale tokens of all results, measured on the sequential
 * specification). Results are strings that render every decision with its tokens, request and tab ids,
 * so two results are equal only when the decisions are.
 *
 * <p>Subclasses say where an input goes: the facade under test, or (the sequential specification) the
 * pure {@link dev.tablease.kernel.LeaseKernel} with the facade's documented tick-when-due rule.
 */
@Param(name = "session", gen = IntGen.class, conf = "1:3")
@Param(name = "holder", gen = IntGen.class, conf = "1:2")
@Param(name = "token", gen = IntGen.class, conf = "1:3")
@Param(name = "tab", gen = IntGen.class, conf = "1:3")
@Param(name = "finish", gen = IntGen.class, conf = "0:1")
@Param(name = "time", gen = SkewedTimeGen.class, conf = "55,25,12,8")
public abstract class LeaseOperations {

    /** Small domains: caps 1 (key a) and 2 (key b), 2 tabs in all, queues of 1, times of a few ms. */
    public static final KernelConfig CONFIG = KernelConfig.builder()
            .maxPerKey(1).maxPerKey("b", 2).globalMax(2)
            .heartbeatIntervalMillis(1).missedHeartbeats(2)
            .requestClass("default", 3).requestClass("pro", 3).deadlineMarginMillis(0)
            .poolTtlMillis(3).queueCapacity(1).queueTimeoutMillis(2)
            .build();

    /** Applies one input atomically; may throw {@link InvalidInputException}. */
    protected abstract SharedLeaseKernel.Step step(Input input);

    /** The common initial state; every subclass calls it at the end of its constructor. */
    protected final void setUp() {
        step(new Input.Acquire(0, "s1", "a", "h1", "default"));
        step(new Input.TabOpened(0, 1, "T1"));   // s1 holds tab 1, token 1
        step(new Input.Acquire(0, "s2", "b", "h1", "default"));
        step(new Input.TabOpened(0, 2, "T2"));   // s2 holds tab 2, token 2: the global cap (2) is full
    }

    @Operation
    public String acquire(@Param(name = "session") int session, @Param(name = "holder") int holder,
                          @Param(name = "time") int time) {
        return run(new Input.Acquire(time, sid(session), key(session), "h" + holder, "default"));
    }

    @Operation
    public String heartbeat(@Param(name = "session") int session, @Param(name = "token") int token,
                            @Param(name = "time") int time) {
        return run(new Input.Heartbeat(time, sid(session), token));
    }

    @Operation
    public String release(@Param(name = "session") int session, @Param(name = "token") int token,
                          @Param(name = "finish") int finish, @Param(name = "time") int time) {
        return run(new Input.Release(time, sid(session), token, finish == 1 ? Outcome.COMPLETED : Outcome.DETACH));
    }

    @Operation
    public String updateSession(@Param(name = "session") int session, @Param(name = "token") int token,
                                @Param(name = "time") int time) {
        return run(new Input.UpdateSession(time, sid(session), token, "https://chat.example/c/" + time));
    }

    @Operation
    public String tabOpened(@Param(name = "tab") int tab, @Param(name = "time") int time) {
        return run(new Input.TabOpened(time, tab, "T" + tab));
    }

    @Operation
    public String tabGone(@Param(name = "tab") int tab, @Param(name = "time") int time) {
        return run(new Input.TabGone(time, "T" + tab, GoneCause.RENDERER_CRASHED));
    }

    @Operation
    public String tick(@Param(name = "time") int time) {
        return run(new Input.Tick(time));
    }

    private String run(Input input) {
        try {
            SharedLeaseKernel.Step step = step(input);
            return step.decisions().stream().map(Object::toString).collect(Collectors.joining("; ", "[", "]"));
        } catch (InvalidInputException e) {
            return "InvalidInput(" + e.problem() + ")";
        } catch (RuntimeException | AssertionError e) {
            return "threw " + e.getClass().getSimpleName(); // only a broken facade throws anything else
        }
    }

    static String sid(int session) {
        return "s" + session;
    }

    static String key(int session) {
        return session == 2 ? "b" : "a";
    }
}
