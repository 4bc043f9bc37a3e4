package dev.tablease.stress.jcstress;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.Outcome;
import dev.tablease.kernel.Session;
import dev.tablease.stress.LeaseFacade;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome.Outcomes;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import java.util.List;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Race (a), the seed's defect 3: a {@code send} and a {@code poll} ask for the driver lease of the same
 * detached session at the same time. Exactly one holds the lease; the other waits behind it.
 *
 * <p>r1 = the send's step, r2 = the poll's step: 1 granted, 2 queued, 3 time went backwards, 8 threw,
 * 9 anything else. r3 = who holds the lease afterwards (with the token it was granted, the other one
 * waiting, every invariant holding): 1 send, 2 poll, 0 inconsistent.
 */
@JCStressTest
@Description("send vs poll on one session: exactly one holds the driver lease")
@Outcomes({
        @org.openjdk.jcstress.annotations.Outcome(id = "1, 2, 1", expect = ACCEPTABLE,
                desc = "send took the lock first: send granted, poll queued behind it"),
        @org.openjdk.jcstress.annotations.Outcome(id = "2, 1, 2", expect = ACCEPTABLE,
                desc = "poll took the lock first: poll granted, send queued behind it"),
        @org.openjdk.jcstress.annotations.Outcome(expect = FORBIDDEN,
                desc = "both or neither hold the lease, the lease does not match the grant, an invariant broke, or a call threw"),
})
@State
public class SendAndPollGetOneDriverLease {
    private final LeaseFacade f;
    private long sendToken;
    private long pollToken;

    public SendAndPollGetOneDriverLease() {
        f = Race.facade(KernelConfig.defaults());
        Race.setup(f, new Input.Acquire(0, "s1", "a", "setup", "default"));
        Race.setup(f, new Input.TabOpened(0, 1, "T1"));
        Race.setup(f, new Input.Release(0, "s1", 1, Outcome.DETACH)); // reserved, detached: nobody drives
    }

    @Actor
    public void send(III_Result r) {
        r.r1 = Race.apply(f, new Input.Acquire(1, "s1", "a", "send", "default"), ds -> {
            sendToken = token(ds, "send");
            return code(ds, "send");
        });
    }

    @Actor
    public void poll(III_Result r) {
        r.r2 = Race.apply(f, new Input.Acquire(1, "s1", "a", "poll", "default"), ds -> {
            pollToken = token(ds, "poll");
            return code(ds, "poll");
        });
    }

    @Arbiter
    public void holder(III_Result r) {
        KernelState s = Race.healthy(f);
        Session s1 = s == null ? null : Race.session(s, "s1");
        if (s1 == null || s1.lease() == null || s1.drivers().size() != 1) {
            r.r3 = 0;
        } else if (s1.lease().holder().equals("send") && s1.lease().token() == sendToken
                && s1.drivers().get(0).holder().equals("poll")) {
            r.r3 = 1;
        } else if (s1.lease().holder().equals("poll") && s1.lease().token() == pollToken
                && s1.drivers().get(0).holder().equals("send")) {
            r.r3 = 2;
        } else {
            r.r3 = 0;
        }
    }

    private static long token(List<Decision> ds, String holder) {
        Decision.Granted g = Race.only(ds, Decision.Granted.class);
        return g != null && g.holder().equals(holder) ? g.token() : -1;
    }

    private static int code(List<Decision> ds, String holder) {
        Decision.Granted g = Race.only(ds, Decision.Granted.class);
        Decision.Queued q = Race.only(ds, Decision.Queued.class);
        if (ds.size() == 1 && g != null && g.holder().equals(holder) && g.tabId() == 1) {
            return 1;
        }
        if (ds.size() == 1 && q != null && q.holder().equals(holder)) {
            return 2;
        }
        return Race.UNEXPECTED;
    }
}
