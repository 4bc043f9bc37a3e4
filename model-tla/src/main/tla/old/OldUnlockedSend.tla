--------------------------- MODULE OldUnlockedSend ---------------------------
(***************************************************************************)
(* Seed defect 3: no send/poll mutex on the same session.                 *)
(*                                                                         *)
(* poll holds withSessionCommandLock (cli.mjs:1107), but the initial send  *)
(* dispatches through the unlocked branch (cli.mjs:1361) and still writes  *)
(* conversationUrl (chatgpt.mjs:289-291); the watcher's reattach+poll      *)
(* (watcher.mjs:176-188) runs outside any session lock too.  So two        *)
(* commands drive one session's tab at once, and conversationUrl has       *)
(* writers that hold no lock.                                              *)
(*                                                                         *)
(* lease is the session command lock (holder or NoHolder); acting is the   *)
(* set of commands driving the session's tab right now.  AllTakeLock =     *)
(* FALSE is the old design; TRUE makes every command hold the lock (the    *)
(* new protocol's driver lease) and satisfies both properties.             *)
(***************************************************************************)
EXTENDS Naturals, FiniteSets

CONSTANTS NoHolder, AllTakeLock

Commands == {"send", "poll", "watcher"}
TakesLock(c) == c = "poll" \/ AllTakeLock

VARIABLES lease, acting, conversationUrl, pc
vars == <<lease, acting, conversationUrl, pc>>

Init == /\ lease = NoHolder
        /\ acting = {}
        /\ conversationUrl = "none"
        /\ pc = [c \in Commands |-> "idle"]

Start(c) ==
    /\ pc[c] = "idle"
    /\ IF TakesLock(c) THEN lease = NoHolder /\ lease' = c ELSE UNCHANGED lease
    /\ acting' = acting \cup {c}
    /\ pc' = [pc EXCEPT ![c] = "acting"]
    /\ UNCHANGED conversationUrl

\* the command writes the URL it sees (its own name stands for that URL)
WriteUrl(c) ==
    /\ pc[c] = "acting"
    /\ conversationUrl' = c
    /\ pc' = [pc EXCEPT ![c] = "wrote"]
    /\ UNCHANGED <<lease, acting>>

Finish(c) ==
    /\ pc[c] = "wrote"
    /\ acting' = acting \ {c}
    /\ lease' = IF lease = c THEN NoHolder ELSE lease
    /\ pc' = [pc EXCEPT ![c] = "done"]
    /\ UNCHANGED conversationUrl

Next == \/ \E c \in Commands : Start(c) \/ WriteUrl(c) \/ Finish(c)
        \/ UNCHANGED vars

Spec == Init /\ [][Next]_vars

\* at most one driver per session
OneDriverPerSession == Cardinality(acting) <= 1

\* a write of conversationUrl comes from the holder of the session's lock
FencedWrites == [][conversationUrl' # conversationUrl => lease = conversationUrl']_vars
=============================================================================
