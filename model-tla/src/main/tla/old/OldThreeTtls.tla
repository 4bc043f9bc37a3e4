----------------------------- MODULE OldThreeTtls -----------------------------
(***************************************************************************)
(* Seed cross-cutting risk X: three TTLs, none aware of the pro budget.    *)
(* The session command lock has a TTL of 35 min (session-store.mjs:50);    *)
(* a pro request may run 3600 s (later 5400 s).  A poll holding the lock   *)
(* while it waits for a pro answer outlives the lock; another command then *)
(* takes the expired lock and drives the same session: two drivers.        *)
(*                                                                         *)
(* Time in units of 5 minutes would make LockTtl 7 and ProBudget 12; the   *)
(* default model scales them down to LockTtl 3 < ProBudget 5 (same         *)
(* order).  The fixed variant derives the lock's expiry from the one       *)
(* deadline (LockTtl = ProBudget + DeadlineMargin), and the invariant      *)
(* holds.                                                                  *)
(***************************************************************************)
EXTENDS Naturals, FiniteSets

CONSTANTS LockTtl, ProBudget, MaxTime, NoHolder

Commands == {"poll", "watcher"}

VARIABLES now, lock, acting, startedAt, pc
vars == <<now, lock, acting, startedAt, pc>>

Init == /\ now = 0
        /\ lock = [holder |-> NoHolder, expiresAt |-> 0]
        /\ acting = {}
        /\ startedAt = [c \in Commands |-> 0]
        /\ pc = [c \in Commands |-> "idle"]

\* withSessionCommandLock: take the lock if it is free or its TTL has passed
TakeLock(c) ==
    /\ pc[c] = "idle"
    /\ lock.holder = NoHolder \/ lock.expiresAt <= now
    /\ lock' = [holder |-> c, expiresAt |-> now + LockTtl]
    /\ acting' = acting \cup {c}
    /\ startedAt' = [startedAt EXCEPT ![c] = now]
    /\ pc' = [pc EXCEPT ![c] = "waiting"]
    /\ UNCHANGED now

\* the vendor's answer arrives (at the latest by the pro budget); the command releases
Answer(c) ==
    /\ pc[c] = "waiting"
    /\ acting' = acting \ {c}
    /\ lock' = IF lock.holder = c THEN [holder |-> NoHolder, expiresAt |-> 0] ELSE lock
    /\ pc' = [pc EXCEPT ![c] = "done"]
    /\ UNCHANGED <<now, startedAt>>

\* time passes; a pro answer always arrives within ProBudget of the command's start
Tick ==
    /\ now < MaxTime
    /\ \A c \in Commands : pc[c] = "waiting" => now + 1 <= startedAt[c] + ProBudget
    /\ now' = now + 1
    /\ UNCHANGED <<lock, acting, startedAt, pc>>

Next == \/ \E c \in Commands : TakeLock(c) \/ Answer(c)
        \/ Tick
        \/ UNCHANGED vars

Spec == Init /\ [][Next]_vars

OneDriverPerSession == Cardinality(acting) <= 1
=============================================================================
