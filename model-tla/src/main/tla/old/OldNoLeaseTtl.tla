---------------------------- MODULE OldNoLeaseTtl ----------------------------
(***************************************************************************)
(* Seed defect 4: active leases have no TTL and no heartbeat              *)
(* (tab-lease-store.mjs:221-236).  Every reclamation path keys off         *)
(* state = 'pooled'; cleanupLeasedTabs reclaims an 'active-session' lease  *)
(* only if the tab is physically dead (:352).  A crashed holder leaves the *)
(* tab open and the lease intact: the tab is locked forever.               *)
(*                                                                         *)
(* One tab, one driver at a time.  Time is kept relative: silence counts   *)
(* the ticks since the holder's last sign of life (capped), so the model   *)
(* is finite without a clock bound.  HeartbeatTtl = FALSE is the old       *)
(* design; TRUE adds the new protocol's rule (a lease expires after        *)
(* HeartbeatTimeout ticks without a heartbeat) and the property holds.     *)
(***************************************************************************)
EXTENDS Naturals

CONSTANTS HeartbeatTimeout, HeartbeatTtl

VARIABLES tabState,   \* "POOLED" or "RESERVED" (the 'active-session' lease row)
          holder,     \* "none", "alive" or "crashed"
          tabAlive,   \* is the Chrome tab physically there
          silence     \* ticks since the holder's last heartbeat, capped at HeartbeatTimeout
vars == <<tabState, holder, tabAlive, silence>>

Init == /\ tabState = "POOLED" /\ holder = "none" /\ tabAlive = TRUE /\ silence = 0

\* recordActiveLease
Acquire == /\ tabState = "POOLED" /\ holder = "none"
           /\ tabState' = "RESERVED" /\ holder' = "alive" /\ silence' = 0
           /\ UNCHANGED tabAlive

\* the holder is alive and says so (only the new design looks at it)
Heartbeat == /\ holder = "alive" /\ silence' = 0 /\ UNCHANGED <<tabState, holder, tabAlive>>

\* the CLI process crashes: the lease row stays 'active-session'
Crash == /\ holder = "alive" /\ holder' = "crashed" /\ UNCHANGED <<tabState, tabAlive, silence>>

\* releaseCompletedLease: the only active -> pooled transition, on the happy path
ReleaseCompleted == /\ holder = "alive" /\ tabState = "RESERVED"
                    /\ tabState' = "POOLED" /\ holder' = "none" /\ silence' = 0
                    /\ UNCHANGED tabAlive

\* the tab dies (closed from outside): not fair, it may never happen
TabGone == /\ tabAlive /\ tabState = "RESERVED" /\ tabAlive' = FALSE
           /\ UNCHANGED <<tabState, holder, silence>>

\* cleanupLeasedTabs: reclaims an active lease iff the tab is dead (old), or also when the
\* holder has been silent for HeartbeatTimeout ticks (new)
Reclaimable == \/ ~tabAlive
               \/ HeartbeatTtl /\ silence >= HeartbeatTimeout
Cleanup == /\ tabState = "RESERVED" /\ Reclaimable
           /\ tabState' = "POOLED" /\ holder' = "none" /\ silence' = 0
           /\ tabAlive' = TRUE      \* a dead tab is replaced by a fresh one in the pool

Tick == /\ silence' = IF silence < HeartbeatTimeout THEN silence + 1 ELSE silence
        /\ UNCHANGED <<tabState, holder, tabAlive>>

Next == Acquire \/ Heartbeat \/ Crash \/ ReleaseCompleted \/ TabGone \/ Cleanup \/ Tick

\* time passes and the cleanup runs periodically; the driver and the tab's death get no fairness
Spec == Init /\ [][Next]_vars /\ WF_vars(Tick) /\ WF_vars(Cleanup)

\* a driver that stops heartbeating (here: crashed) loses its lease
SilentDriverLosesLease == (holder = "crashed") ~> (holder = "none")
=============================================================================
