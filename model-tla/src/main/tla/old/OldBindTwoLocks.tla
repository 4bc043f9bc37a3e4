--------------------------- MODULE OldBindTwoLocks ---------------------------
(***************************************************************************)
(* Seed defect 2: session->tab binding and lease row written under two    *)
(* different locks (chatgpt.mjs:200-209).                                  *)
(*                                                                         *)
(*   bindSessionToTab(sessionId, targetId)   // session store, its lock    *)
(*   await recordActiveLease({...targetId})   // lease store, another lock *)
(*                                                                         *)
(* Between the two writes the session is bound to a tab whose lease row    *)
(* still says "pooled", so a concurrent checkoutPooledLease on the same    *)
(* key can hand the same tab to another session (reattach mismatch).       *)
(* The variables keep the new spec's names: tabs[t].state/sessionId is the *)
(* lease store's row (RESERVED = 'active-session'), sessions[s].tabId the  *)
(* session store's binding.                                                *)
(*                                                                         *)
(* TwoLocks = TRUE is the old design; FALSE binds and reserves in one step *)
(* (the new protocol's Bind) and satisfies both invariants.                *)
(***************************************************************************)
EXTENDS Naturals

CONSTANTS SessionIds, TabIds, NoSession, TwoLocks

VARIABLES tabs, sessions, pc
vars == <<tabs, sessions, pc>>

Init == /\ tabs = [t \in TabIds |-> [state |-> "POOLED", sessionId |-> NoSession]]
        /\ sessions = [s \in SessionIds |-> [tabId |-> 0]]
        /\ pc = [s \in SessionIds |-> "idle"]

\* send, first write: checkoutPooledLease picks a tab whose lease row says POOLED, and
\* bindSessionToTab writes the session store (session-store lock).  The old design stops here.
BindSessionToTab(s, t) ==
    /\ pc[s] = "idle"
    /\ tabs[t].state = "POOLED"
    /\ sessions' = [sessions EXCEPT ![s].tabId = t]
    /\ IF TwoLocks
       THEN /\ pc' = [pc EXCEPT ![s] = "bound"]
            /\ UNCHANGED tabs
       ELSE /\ pc' = [pc EXCEPT ![s] = "leased"]         \* new design: one transition
            /\ tabs' = [tabs EXCEPT ![t] = [state |-> "RESERVED", sessionId |-> s]]

\* send, second write: recordActiveLease writes the lease store (lease-store lock).
RecordActiveLease(s) ==
    /\ pc[s] = "bound"
    /\ tabs' = [tabs EXCEPT ![sessions[s].tabId] = [state |-> "RESERVED", sessionId |-> s]]
    /\ pc' = [pc EXCEPT ![s] = "leased"]
    /\ UNCHANGED sessions

Next == \/ \E s \in SessionIds : \/ \E t \in TabIds : BindSessionToTab(s, t)
                                 \/ RecordActiveLease(s)
        \/ UNCHANGED vars    \* nothing left to do

Spec == Init /\ [][Next]_vars

\* a session is bound to a tab iff that tab is RESERVED for it
BindingIsReservation ==
    \A s \in SessionIds :
        sessions[s].tabId # 0 =>
            tabs[sessions[s].tabId].state = "RESERVED" /\ tabs[sessions[s].tabId].sessionId = s

OneReservationPerTab ==
    \A s1, s2 \in SessionIds :
        (s1 # s2 /\ sessions[s1].tabId # 0) => sessions[s1].tabId # sessions[s2].tabId
=============================================================================
