------------------------------ MODULE TraceSpec ------------------------------
(***************************************************************************)
(* Code -> spec: trace validation.  A batch of traces recorded from the    *)
(* Java kernel (dev.tablease.model.TraceTranslator writes them as the      *)
(* constant TraceData of a generated module TraceBatch that EXTENDS this   *)
(* one; the cfg says Traces <- TraceData) is walked with a cursor i.  Each *)
(* element is [input |-> [op, now, ...], post |-> [tabs, sessions, ...]]:  *)
(* a step is the spec's action for exactly that input, with exactly those  *)
(* parameters, whose successor state equals the kernel's snapshot after    *)
(* the step (every variable: tabs, sessions with leases, tokens, expiry,   *)
(* deadlines and driver queues, and the five counters).  A refused input   *)
(* must be a step of the action that leaves every variable unchanged.     *)
(*                                                                         *)
(* tr picks the trace (one initial state per trace: Init, or for a later  *)
(* piece of a long run the kernel's state where the previous piece ended,  *)
(* which that piece checked as its last post-state).  A trace that leaves  *)
(* the spec has no successor at the longest matching prefix: TLC reports a *)
(* deadlock (exit 11) with tr and i in the last state.  A trace that       *)
(* reaches its end stutters there (no deadlock), so exit 0 means every     *)
(* trace reached its end; the validator also checks that TLC found exactly *)
(* Sum(Len(trace) + 1) distinct states.                                    *)
(***************************************************************************)
EXTENDS TabLease

CONSTANT Traces,       \* a sequence of traces (overridden by TraceData in the cfg)
         Starts        \* Starts[tr] = << >>: trace tr starts at Init; << s >>: it starts in state s

VARIABLES tr, i

traceVars == <<tr, i, tabs, sessions, nextToken, nextTabId, nextRequestId, nextWaitSeq, lastNow>>

\* The spec's action for one recorded kernel input, with the recorded parameters.
Apply(e) ==
    \/ e.op = "Acquire"       /\ Acquire(e.now, e.s, e.k, e.h, e.c)
    \/ e.op = "Heartbeat"     /\ Heartbeat(e.now, e.s, e.tok)
    \/ e.op = "Release"       /\ Release(e.now, e.s, e.tok, e.outcome)
    \/ e.op = "UpdateSession" /\ UpdateSession(e.now, e.s, e.tok, e.url)
    \/ e.op = "Cancel"        /\ Cancel(e.now, e.r)
    \/ e.op = "TabOpened"     /\ TabOpened(e.now, e.t, e.target)
    \/ e.op = "TabOpenFailed" /\ TabOpenFailed(e.now, e.t)
    \/ e.op = "TabGone"       /\ TabGone(e.now, e.target)
    \/ e.op = "TabClosed"     /\ TabClosed(e.now, e.target)
    \/ e.op = "Tick"          /\ Tick(e.now)

\* The successor state is the kernel's snapshot after the step.
PostIs(p) ==
    /\ tabs' = p.tabs
    /\ sessions' = p.sessions
    /\ nextToken' = p.nextToken
    /\ nextTabId' = p.nextTabId
    /\ nextRequestId' = p.nextRequestId
    /\ nextWaitSeq' = p.nextWaitSeq
    /\ lastNow' = p.lastNow

\* The state is s (a kernel snapshot, same fields as a post).
StateIs(s) ==
    /\ tabs = s.tabs
    /\ sessions = s.sessions
    /\ nextToken = s.nextToken
    /\ nextTabId = s.nextTabId
    /\ nextRequestId = s.nextRequestId
    /\ nextWaitSeq = s.nextWaitSeq
    /\ lastNow = s.lastNow

TraceInit == /\ tr \in 1..Len(Traces)
             /\ i = 0
             /\ IF Starts[tr] = << >> THEN Init ELSE StateIs(Starts[tr][1])

TraceStep == /\ i < Len(Traces[tr])
             /\ Apply(Traces[tr][i + 1].input)
             /\ PostIs(Traces[tr][i + 1].post)
             /\ i' = i + 1
             /\ tr' = tr

TraceEnd == /\ i = Len(Traces[tr])
            /\ UNCHANGED traceVars

TraceNext == TraceStep \/ TraceEnd

TraceBehaviour == TraceInit /\ [][TraceNext]_traceVars
=============================================================================
