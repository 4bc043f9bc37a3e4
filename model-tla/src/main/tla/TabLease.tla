------------------------------ MODULE TabLease ------------------------------
(***************************************************************************)
(* The single-deadline tab lease protocol of docs/protocol.md.             *)
(*                                                                         *)
(* One kernel input = one action (Acquire, Heartbeat, Release,             *)
(* UpdateSession, Cancel, TabOpened, TabOpenFailed, TabGone, TabClosed,    *)
(* Tick).  Dispatch, Bind, GrantHead ... are helper operators that run     *)
(* inside an action.  The variables have the shape of the Java kernel's    *)
(* KernelState: tabs (by tabId) and sessions (by sessionId) are functions  *)
(* to records with the same field names, plus the same counters.           *)
(*                                                                         *)
(* The actions are written in a functional style: each helper maps a       *)
(* record st (one field per variable) to a new record, and Commit(st)      *)
(* assigns it to the primed variables.  This lets Tick run its five steps  *)
(* in order, exactly as the kernel does.                                   *)
(*                                                                         *)
(* Model abstractions (see README.md): time is a small natural number and  *)
(* only Tick advances it (every other input arrives at now = lastNow);     *)
(* the adapter names the target of tab t simply t; a URL written by        *)
(* UpdateSession is identified by the writer's token (UrlOf(tok)); the     *)
(* number of Acquire inputs is bounded by MaxRequests and the clock by     *)
(* MaxTime, which bounds every counter.                                    *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets, TLC

CONSTANTS
    Keys,            \* vendor/profile keys
    SessionIds,      \* session ids the environment may use
    Holders,         \* driver names (free text in the kernel)
    RequestClasses,  \* subset of {"default", "pro"}
    NoSession,       \* a model value: "no session" (null in Java)
    MaxPerKey,       \* maxPerKey (the same for every key in the model)
    GlobalMax,       \* globalMax
    QueueCapacity,   \* bound of each key queue and of each session's driver queue
    HeartbeatTimeout,\* heartbeatIntervalMillis x missedHeartbeats
    DefaultBudget,   \* budget of request class "default"
    ProBudget,       \* budget of request class "pro"
    DeadlineMargin,  \* deadlineMarginMillis
    PoolTtl,         \* poolTtlMillis
    QueueTimeout,    \* queueTimeoutMillis
    MaxTime,         \* the model's clock stops here (bound for TLC)
    MaxRequests      \* at most this many Acquire inputs are accepted (bound for TLC)

ASSUME /\ MaxPerKey \in Nat \ {0} /\ GlobalMax \in Nat \ {0}
       /\ QueueCapacity \in Nat
       /\ {HeartbeatTimeout, DefaultBudget, ProBudget, PoolTtl, QueueTimeout} \subseteq Nat \ {0}
       /\ DeadlineMargin \in Nat
       /\ RequestClasses \subseteq {"default", "pro"}
       \* the kernel refuses a config whose heartbeat timeout exceeds the shortest deadline
       /\ HeartbeatTimeout <= DefaultBudget + DeadlineMargin
       /\ HeartbeatTimeout <= ProBudget + DeadlineMargin
       /\ MaxTime >= HeartbeatTimeout /\ MaxRequests \in Nat
       /\ NoSession \notin SessionIds

VARIABLES
    tabs,           \* tabId -> [tabId, targetId, key, state, sessionId, poolExpiresAt, epoch, needsReset]
    sessions,       \* sessionId -> [sessionId, key, requestClass, tabId, deadline, conversationUrl,
                    \*               lease, drivers, waitSeq, recoveryCount]
    nextToken, nextTabId, nextRequestId, nextWaitSeq, lastNow

vars == <<tabs, sessions, nextToken, nextTabId, nextRequestId, nextWaitSeq, lastNow>>

-----------------------------------------------------------------------------
(* Vocabulary *)

OPENING  == "OPENING"
POOLED   == "POOLED"
RESERVED == "RESERVED"
CLOSING  == "CLOSING"
TabStates == {OPENING, POOLED, RESERVED, CLOSING}

DETACH == "DETACH"
Outcomes == {"DETACH", "COMPLETED", "FAILED", "CANCELLED"}

NoTarget == 0      \* targetId while OPENING (null in Java)
NoUrl    == 0      \* conversationUrl before the first write (null in Java)
NoHolder == "none"
NoLease  == [holder |-> NoHolder, token |-> 0, lastBeat |-> 0, expiresAt |-> 0]

UrlOf(tok)    == tok   \* in the model, the URL written by the holder of tok
TargetOf(tab) == tab   \* in the model, the adapter names the target of tab t "t"

Min(a, b) == IF a <= b THEN a ELSE b
MaxPerKeyOf(k) == MaxPerKey
Budget(c) == IF c = "pro" THEN ProBudget ELSE DefaultBudget
ReservationTime(c) == Budget(c) + DeadlineMargin

Forget(f, x) == [y \in DOMAIN f \ {x} |-> f[y]]

-----------------------------------------------------------------------------
(* Pure helpers over a record st that holds one field per variable. *)

Cur == [tabs |-> tabs, sessions |-> sessions, nextToken |-> nextToken, nextTabId |-> nextTabId,
        nextRequestId |-> nextRequestId, nextWaitSeq |-> nextWaitSeq, lastNow |-> lastNow]

Commit(st) == /\ tabs' = st.tabs
              /\ sessions' = st.sessions
              /\ nextToken' = st.nextToken
              /\ nextTabId' = st.nextTabId
              /\ nextRequestId' = st.nextRequestId
              /\ nextWaitSeq' = st.nextWaitSeq
              /\ lastNow' = st.lastNow

\* A well-formed input that names something unknown or stale: Refused, nothing changes at all, not
\* even lastNow (docs/protocol.md, "Inputs"; the kernel does the same).
Refuse(now) == UNCHANGED <<tabs, sessions, nextToken, nextTabId, nextRequestId, nextWaitSeq, lastNow>>

Leased(st, s)      == st.sessions[s].lease.token # 0
TabsOfKey(st, k)   == {t \in DOMAIN st.tabs : st.tabs[t].key = k}
PooledIn(st, T)    == {t \in T : st.tabs[t].state = POOLED}
ClosingTabs(st)    == {t \in DOMAIN st.tabs : st.tabs[t].state = CLOSING}
WaitingOf(st, k)   == {s \in DOMAIN st.sessions : st.sessions[s].key = k /\ st.sessions[s].waitSeq # 0}
IsOpening(st, s)   == /\ st.sessions[s].tabId # 0
                      /\ st.tabs[st.sessions[s].tabId].state = OPENING

\* Pool order: pooled longest ago first (poolExpiresAt, then tabId).
OldestPooled(st, T) ==
    CHOOSE t \in T : \A u \in T :
        \/ st.tabs[t].poolExpiresAt < st.tabs[u].poolExpiresAt
        \/ st.tabs[t].poolExpiresAt = st.tabs[u].poolExpiresAt /\ t <= u

NewWaiter(st, h, now) == [requestId |-> st.nextRequestId, holder |-> h, queueDeadline |-> now + QueueTimeout]

NewSession(s, k, c) ==
    [sessionId |-> s, key |-> k, requestClass |-> c, tabId |-> 0, deadline |-> 0,
     conversationUrl |-> NoUrl, lease |-> NoLease, drivers |-> <<>>, waitSeq |-> 0, recoveryCount |-> 0]

NewTab(t, k) ==
    [tabId |-> t, targetId |-> NoTarget, key |-> k, state |-> OPENING, sessionId |-> NoSession,
     poolExpiresAt |-> 0, epoch |-> 0, needsReset |-> FALSE]

StartWaiting(st, s) == [st EXCEPT !.sessions[s].waitSeq = st.nextWaitSeq, !.nextWaitSeq = @ + 1]

\* A waiting session with no drivers leaves its key queue; one that was never bound is forgotten.
AfterDriversLeft(st, s) ==
    IF st.sessions[s].drivers = <<>> /\ st.sessions[s].waitSeq # 0
    THEN IF st.sessions[s].deadline = 0
         THEN [st EXCEPT !.sessions = Forget(@, s)]
         ELSE [st EXCEPT !.sessions[s].waitSeq = 0]
    ELSE st

\* Grant: the head driver gets a fresh token; a tab that needsReset is reset first (ResetTab).
GrantHead(st, s, now) ==
    LET ss == st.sessions[s]
        w  == Head(ss.drivers)
    IN [st EXCEPT !.sessions[s].drivers = Tail(@),
                  !.sessions[s].lease = [holder |-> w.holder, token |-> st.nextToken, lastBeat |-> now,
                                         expiresAt |-> Min(ss.deadline, now + HeartbeatTimeout)],
                  !.tabs[ss.tabId].needsReset = FALSE,
                  !.nextToken = @ + 1]

\* Grants the head waiting driver when the session is bound to a RESERVED tab and undriven.
ServeDrivers(st, s, now) ==
    IF /\ ~Leased(st, s)
       /\ st.sessions[s].drivers # <<>>
       /\ st.sessions[s].tabId # 0
       /\ st.tabs[st.sessions[s].tabId].state = RESERVED
    THEN GrantHead(st, s, now)
    ELSE st

\* Binding a waiting session to a tab is the reservation: one transition.
Bind(st, s, t, state, now) ==
    [st EXCEPT !.sessions[s].waitSeq = 0,
               !.sessions[s].tabId = t,
               !.sessions[s].deadline = IF @ = 0 THEN now + ReservationTime(st.sessions[s].requestClass)
                                                 ELSE @,
               !.tabs[t].state = state,
               !.tabs[t].sessionId = s,
               !.tabs[t].epoch = @ + 1,
               !.tabs[t].poolExpiresAt = 0]

OpenTab(st, k) == [st EXCEPT !.tabs = (st.nextTabId :> NewTab(st.nextTabId, k)) @@ @,
                             !.nextTabId = @ + 1]

Pool(st, t, reset, now) ==
    [st EXCEPT !.tabs[t].state = POOLED, !.tabs[t].needsReset = reset,
               !.tabs[t].poolExpiresAt = now + PoolTtl]

Close(st, t) ==
    [st EXCEPT !.tabs[t].state = CLOSING, !.tabs[t].epoch = @ + 1, !.tabs[t].poolExpiresAt = 0]

\* A session ends (finished or past its deadline): its lease and waiters go with it; a RESERVED tab
\* is reset and pooled, an OPENING tab loses its session (it is pooled when it opens).
EndSession(st, s, now) ==
    LET t   == st.sessions[s].tabId
        st1 == IF t = 0 THEN st
               ELSE IF st.tabs[t].state = RESERVED
                    THEN Pool([st EXCEPT !.tabs[t].sessionId = NoSession, !.tabs[t].epoch = @ + 1], t, TRUE, now)
                    ELSE [st EXCEPT !.tabs[t].sessionId = NoSession]
    IN [st1 EXCEPT !.sessions = Forget(@, s)]

RECURSIVE EndAll(_, _, _)
EndAll(st, S, now) ==
    IF S = {} THEN st
    ELSE LET s == CHOOSE x \in S : TRUE IN EndAll(EndSession(st, s, now), S \ {s}, now)

-----------------------------------------------------------------------------
(* Dispatch: waiting sessions are served oldest first across keys (by waitSeq), FIFO within a    *)
(* key, skipping keys that cannot be served now.  Same loop as the kernel: scan the heads of the *)
(* key queues in waitSeq order; the first head that can act acts, then the scan starts again.    *)

Heads(st) == {s \in DOMAIN st.sessions :
                /\ st.sessions[s].waitSeq # 0
                /\ \A u \in WaitingOf(st, st.sessions[s].key) : st.sessions[s].waitSeq <= st.sessions[u].waitSeq}

RECURSIVE DispatchScan(_, _, _, _)
DispatchScan(st, now, heads, uncovered) ==
    IF heads = {} THEN [acted |-> FALSE, st |-> st]
    ELSE
    LET s   == CHOOSE x \in heads : \A y \in heads : st.sessions[x].waitSeq <= st.sessions[y].waitSeq
        k   == st.sessions[s].key
        kt  == TabsOfKey(st, k)
        underKeyCap == Cardinality(kt) < MaxPerKeyOf(k)
        allPooled   == PooledIn(st, DOMAIN st.tabs)
    IN
    IF PooledIn(st, kt) # {} THEN                                          \* 1. a pooled tab of k
        [acted |-> TRUE,
         st |-> ServeDrivers(Bind(st, s, OldestPooled(st, PooledIn(st, kt)), RESERVED, now), s, now)]
    ELSE IF underKeyCap /\ Cardinality(DOMAIN st.tabs) < GlobalMax THEN   \* 2. both caps allow: OpenTab
        [acted |-> TRUE, st |-> Bind(OpenTab(st, k), s, st.nextTabId, OPENING, now)]
    ELSE IF underKeyCap /\ uncovered > 0 THEN                              \* a CLOSING tab covers s
        DispatchScan(st, now, heads \ {s}, uncovered - 1)
    ELSE IF underKeyCap /\ allPooled # {} THEN                             \* 3. evict the oldest idle tab
        [acted |-> TRUE, st |-> Close(st, OldestPooled(st, allPooled))]
    ELSE DispatchScan(st, now, heads \ {s}, uncovered)                     \* 4. s keeps waiting

RECURSIVE Dispatch(_, _)
Dispatch(st, now) ==
    LET r == DispatchScan(st, now, Heads(st), Cardinality(ClosingTabs(st)))
    IN IF r.acted THEN Dispatch(r.st, now) ELSE st

-----------------------------------------------------------------------------
(* The inputs.  Each takes now; the kernel refuses now < lastNow (malformed: no step at all).      *)

AcquireSt(st0, s, k, h, c, now) ==
    LET w  == NewWaiter(st0, h, now)
        st == [st0 EXCEPT !.nextRequestId = @ + 1]
    IN
    IF s \notin DOMAIN st.sessions THEN                                     \* 1. a new session
        IF Cardinality(WaitingOf(st, k)) >= QueueCapacity
        THEN st                                                              \* Rejected(QUEUE_FULL)
        ELSE Dispatch(StartWaiting([st EXCEPT !.sessions = (s :> [NewSession(s, k, c) EXCEPT !.drivers = <<w>>]) @@ @], s), now)
    ELSE
    LET ss == st.sessions[s] IN
    IF Leased(st, s) \/ ss.waitSeq # 0 \/ ss.drivers # <<>> \/ IsOpening(st, s) THEN  \* 3. wait: the mutex
        IF Len(ss.drivers) >= QueueCapacity
        THEN st                                                              \* Rejected(QUEUE_FULL)
        ELSE [st EXCEPT !.sessions[s].drivers = Append(@, w)]                \* Queued
    ELSE IF ss.tabId # 0 THEN                                                \* 4. reattach
        GrantHead([st EXCEPT !.sessions[s].drivers = Append(@, w)], s, now)
    ELSE IF Cardinality(WaitingOf(st, ss.key)) >= QueueCapacity THEN         \* 5. recovery, queue full
        st
    ELSE Dispatch(StartWaiting([st EXCEPT !.sessions[s].drivers = Append(@, w)], s), now)  \* 5. recovery

Acquire(now, s, k, h, c) ==
    /\ now >= lastNow
    /\ IF s \in DOMAIN sessions /\ (sessions[s].key # k \/ sessions[s].requestClass # c)
       THEN Refuse(now)                                                      \* KEY_/CLASS_MISMATCH
       ELSE Commit(AcquireSt([Cur EXCEPT !.lastNow = now], s, k, h, c, now))

\* Fencing: the session exists, has a lease, the token is the lease's, and the lease has not expired.
LeaseOk(s, tok, now) ==
    /\ s \in DOMAIN sessions
    /\ sessions[s].lease.token # 0
    /\ sessions[s].lease.token = tok
    /\ now < sessions[s].lease.expiresAt

Heartbeat(now, s, tok) ==
    /\ now >= lastNow
    /\ IF LeaseOk(s, tok, now)
       THEN Commit([Cur EXCEPT !.lastNow = now,
                               !.sessions[s].lease.lastBeat = now,
                               !.sessions[s].lease.expiresAt = Min(sessions[s].deadline, now + HeartbeatTimeout)])
       ELSE Refuse(now)

Release(now, s, tok, outcome) ==
    /\ now >= lastNow
    /\ IF LeaseOk(s, tok, now)
       THEN LET st == [Cur EXCEPT !.lastNow = now, !.sessions[s].lease = NoLease]
            IN Commit(Dispatch(IF outcome = DETACH THEN ServeDrivers(st, s, now)
                                                   ELSE EndSession(st, s, now), now))
       ELSE Refuse(now)

UpdateSession(now, s, tok, url) ==
    /\ now >= lastNow
    /\ IF LeaseOk(s, tok, now)
       THEN Commit([Cur EXCEPT !.lastNow = now, !.sessions[s].conversationUrl = url])
       ELSE Refuse(now)

Cancel(now, r) ==
    /\ now >= lastNow
    /\ LET owners == {s \in DOMAIN sessions : \E i \in 1..Len(sessions[s].drivers) : sessions[s].drivers[i].requestId = r}
       IN IF owners = {} THEN Refuse(now)                                    \* UNKNOWN_REQUEST
          ELSE LET s  == CHOOSE x \in owners : TRUE
                   st == [Cur EXCEPT !.lastNow = now,
                                     !.sessions[s].drivers = SelectSeq(@, LAMBDA w : w.requestId # r)]
               IN Commit(Dispatch(AfterDriversLeft(st, s), now))

TabOpened(now, t, target) ==
    /\ now >= lastNow
    /\ IF /\ t \in DOMAIN tabs
          /\ tabs[t].state = OPENING
          /\ target # NoTarget
          /\ \A u \in DOMAIN tabs : tabs[u].targetId # target
       THEN LET st == [Cur EXCEPT !.lastNow = now, !.tabs[t].targetId = target]
                s  == tabs[t].sessionId
            IN Commit(Dispatch(IF s # NoSession
                               \* nobody to navigate it now: the next grant resets and navigates it
                               THEN ServeDrivers([st EXCEPT !.tabs[t].state = RESERVED,
                                                            !.tabs[t].needsReset =
                                                                @ \/ (/\ sessions[s].drivers = <<>>
                                                                      /\ sessions[s].conversationUrl # NoUrl)],
                                                 s, now)
                               ELSE Pool(st, t, FALSE, now), now))
       ELSE Refuse(now)                                                      \* UNKNOWN_TAB, NOT_OPENING, TARGET_IN_USE

TabOpenFailed(now, t) ==
    /\ now >= lastNow
    /\ IF t \in DOMAIN tabs /\ tabs[t].state = OPENING
       THEN LET s   == tabs[t].sessionId
                st  == [Cur EXCEPT !.lastNow = now, !.tabs = Forget(@, t)]
                st2 == IF s = NoSession THEN st
                       ELSE AfterDriversLeft([st EXCEPT !.sessions[s].tabId = 0, !.sessions[s].drivers = <<>>], s)
            IN Commit(Dispatch(st2, now))
       ELSE Refuse(now)

\* A tab died.  The session it was RESERVED for keeps its slot: with a conversation URL its
\* reservation moves to a replacement tab, OPENING at once on its behalf (ReservationMoved: the key's
\* tab count is unchanged, so no waiter takes the slot first and the caps hold); without one there is
\* nothing to recover and the session ends (ReservationEnded(TAB_GONE), its drivers Rejected), freeing
\* the slot.  (Only RESERVED tabs are bound and have a target: an OPENING tab has none yet.)
MoveReservation(st, s, now) ==
    [Bind(OpenTab(st, st.sessions[s].key), s, st.nextTabId, OPENING, now)
        EXCEPT !.sessions[s].recoveryCount = @ + 1]

TabGone(now, target) ==
    /\ now >= lastNow
    /\ LET found == {t \in DOMAIN tabs : tabs[t].targetId = target /\ target # NoTarget}
       IN IF found = {} THEN Refuse(now)                                     \* UNKNOWN_TAB
          ELSE LET t   == CHOOSE x \in found : TRUE
                   s   == tabs[t].sessionId
                   st  == [Cur EXCEPT !.lastNow = now, !.tabs = Forget(@, t)]
                   st1 == [st EXCEPT !.sessions[s].lease = NoLease, !.sessions[s].tabId = 0]
                   st2 == IF s = NoSession THEN st
                          ELSE IF st1.sessions[s].conversationUrl # NoUrl
                               THEN MoveReservation(st1, s, now)              \* ReservationMoved
                          ELSE [st1 EXCEPT !.sessions = Forget(@, s)]         \* ReservationEnded(TAB_GONE)
               IN Commit(Dispatch(st2, now))

TabClosed(now, target) ==
    /\ now >= lastNow
    /\ LET found == {t \in DOMAIN tabs : tabs[t].targetId = target /\ target # NoTarget /\ tabs[t].state = CLOSING}
       IN IF found = {} THEN Refuse(now)                                     \* UNKNOWN_TAB, NOT_CLOSING
          ELSE LET t == CHOOSE x \in found : TRUE
               IN Commit(Dispatch([Cur EXCEPT !.lastNow = now, !.tabs = Forget(@, t)], now))

(* Tick, steps 1-4 (step 5 grants in an order the protocol leaves open: see Tick). *)
RevokedAt(st, now) == {s \in DOMAIN st.sessions : Leased(st, s) /\ st.sessions[s].lease.expiresAt <= now}

TickExpire(st0, now) ==
    LET st  == [st0 EXCEPT !.lastNow = now]
        rv  == RevokedAt(st, now)
        \* 1. expired leases are revoked; the tab needs a reset (its driver vanished mid-command)
        st1 == [st EXCEPT
                  !.sessions = [s \in DOMAIN st.sessions |->
                                  IF s \in rv THEN [st.sessions[s] EXCEPT !.lease = NoLease] ELSE st.sessions[s]],
                  !.tabs = [t \in DOMAIN st.tabs |->
                                  IF \E s \in rv : st.sessions[s].tabId = t
                                  THEN [st.tabs[t] EXCEPT !.needsReset = TRUE] ELSE st.tabs[t]]]
        \* 2. sessions past their deadline end
        ended == {s \in DOMAIN st1.sessions : st1.sessions[s].deadline # 0 /\ st1.sessions[s].deadline <= now}
        st2 == EndAll(st1, ended, now)
        \* 3. expired pooled tabs are closed
        expired == {t \in DOMAIN st2.tabs : st2.tabs[t].state = POOLED /\ st2.tabs[t].poolExpiresAt <= now}
        st3 == [st2 EXCEPT !.tabs = [t \in DOMAIN st2.tabs |->
                                  IF t \in expired
                                  THEN [st2.tabs[t] EXCEPT !.state = CLOSING, !.epoch = @ + 1, !.poolExpiresAt = 0]
                                  ELSE st2.tabs[t]]]
        \* 4. waiters past their queue deadline are rejected (QUEUE_TIMEOUT)
        st4 == [st3 EXCEPT !.sessions = [s \in DOMAIN st3.sessions |->
                                  [st3.sessions[s] EXCEPT !.drivers = SelectSeq(@, LAMBDA w : w.queueDeadline > now)]]]
        left   == {s \in DOMAIN st4.sessions : st4.sessions[s].drivers = <<>> /\ st4.sessions[s].waitSeq # 0}
        forgot == {s \in left : st4.sessions[s].deadline = 0}
    IN [st4 EXCEPT !.sessions = [s \in DOMAIN st4.sessions \ forgot |->
                                  IF s \in left THEN [st4.sessions[s] EXCEPT !.waitSeq = 0] ELSE st4.sessions[s]]]

Orderings(S) == {f \in [1..Cardinality(S) -> S] : \A i, j \in DOMAIN f : i # j => f[i] # f[j]}

RECURSIVE ServeInOrder(_, _, _, _)
ServeInOrder(st, order, i, now) ==
    IF i > Len(order) THEN st
    ELSE ServeInOrder(ServeDrivers(st, order[i], now), order, i + 1, now)

\* 5. sessions whose lease was revoked in step 1 grant their next waiting driver (same tab, reset
\* first), then dispatch runs.  The protocol does not fix the order of these grants (it decides
\* which driver gets which token); the kernel uses (expiresAt, sessionId).  The spec allows any order.
Tick(now) ==
    /\ now >= lastNow
    /\ LET st4     == TickExpire(Cur, now)
           toServe == {s \in RevokedAt(Cur, now) \cap DOMAIN st4.sessions : st4.sessions[s].drivers # <<>>}
       IN \E order \in Orderings(toServe) : Commit(Dispatch(ServeInOrder(st4, order, 1, now), now))

-----------------------------------------------------------------------------
(* The model: the environment (drivers that may crash at any point, i.e. simply stop sending, and  *)
(* an adapter that may answer in any order) sends any input at any time; the clock advances by 1. *)

Init == /\ tabs = <<>>            \* the empty function
        /\ sessions = [s \in {} |-> NoLease]
        /\ nextToken = 1 /\ nextTabId = 1 /\ nextRequestId = 1 /\ nextWaitSeq = 1
        /\ lastNow = 0

TabIn(t, state) == t \in DOMAIN tabs /\ tabs[t].state = state
Tokens == 1..(nextToken - 1)      \* every token ever granted: the current ones and the stale ones

EnvAcquire   == \E s \in SessionIds, k \in Keys, h \in Holders, c \in RequestClasses :
                    nextRequestId <= MaxRequests /\ Acquire(lastNow, s, k, h, c)
\* A stale token is refused by the same guard (LeaseOk) in Heartbeat, Release and UpdateSession; the
\* model sends every issued token to UpdateSession, where FencedWrites can see a wrongly accepted
\* write, and the current token to Heartbeat and Release (a refused input at now = lastNow is a
\* stuttering step, so this prunes no state).
CurrentToken(s) == {sessions[s].lease.token} \ {0}
EnvHeartbeat == \E s \in DOMAIN sessions : \E tok \in CurrentToken(s) : Heartbeat(lastNow, s, tok)
\* FAILED and CANCELLED change the state exactly as COMPLETED does (they differ only in the Released
\* decision), so the model sends DETACH and COMPLETED.
ModelOutcomes == {"DETACH", "COMPLETED"}
EnvRelease   == \E s \in DOMAIN sessions : \E tok \in CurrentToken(s), o \in ModelOutcomes : Release(lastNow, s, tok, o)
EnvUpdate    == \E s \in DOMAIN sessions, tok \in Tokens : UpdateSession(lastNow, s, tok, UrlOf(tok))
EnvCancel    == \E r \in 1..(nextRequestId - 1) : Cancel(lastNow, r)
AdapterOpened(t)     == TabOpened(lastNow, t, TargetOf(t))
AdapterOpenFailed(t) == TabOpenFailed(lastNow, t)
AdapterClosed(t)     == TabClosed(lastNow, TargetOf(t))
\* Each ReservationMoved takes a fresh tab id without an Acquire, so TLC lets a tab die only while
\* fewer than 2 * MaxRequests ids were taken; each Acquire opens at most one tab, so no run takes more
\* than MaxTabIds ids (TypeOK checks it).
TabMayDie    == nextTabId <= 2 * MaxRequests
MaxTabIds    == 3 * MaxRequests
EnvTabGone   == TabMayDie /\ \E t \in DOMAIN tabs : TabGone(lastNow, tabs[t].targetId)
ClockTick    == lastNow < MaxTime /\ Tick(lastNow + 1)
ClockStopped == lastNow = MaxTime /\ UNCHANGED vars   \* the model's clock ran out: stutter

Next == \/ EnvAcquire \/ EnvHeartbeat \/ EnvRelease \/ EnvUpdate \/ EnvCancel
        \/ \E t \in DOMAIN tabs : AdapterOpened(t) \/ AdapterOpenFailed(t) \/ AdapterClosed(t)
        \/ EnvTabGone
        \/ ClockTick
        \/ ClockStopped

Spec == Init /\ [][Next]_vars

\* Fairness: the clock ticks, and the adapter eventually answers OpenTab and CloseTab.  Drivers get
\* no fairness at all: a driver may stop heartbeating (crash) at any point.
\*
\* WF_vars(A) is []<>~ENABLED <<A>>_vars \/ []<><<A>>_vars.  TLC evaluates ENABLED without caching
\* (exponential in this functional-style spec), so each weak fairness condition below is written out
\* with a state predicate that equals ENABLED <<A>>_vars; FairnessGuardsMatchEnabled checks that
\* equality on a small model (NewDesignModelTest).
TabIdRange == 1..MaxTabIds
ClockCanTick(t)      == lastNow < MaxTime                  \* = ENABLED <<ClockTick>>_vars
AdapterCanAnswer(t)  == TabIn(t, OPENING)                  \* = ENABLED <<AdapterOpened(t) \/ AdapterOpenFailed(t)>>_vars
AdapterCanClose(t)   == TabIn(t, CLOSING)                  \* = ENABLED <<AdapterClosed(t)>>_vars

\* (written out, not through an operator: TLC cannot handle an action passed to a temporal operator)
\* A ClockTick step is exactly a step that advances lastNow (every other input arrives at lastNow),
\* which TLC evaluates much faster than the whole Tick action.
ClockTickStep == lastNow' > lastNow
Fairness == /\ []<>~ClockCanTick(0) \/ []<><<ClockTickStep>>_vars
            /\ \A t \in TabIdRange :
                  []<>~AdapterCanAnswer(t) \/ []<><<AdapterOpened(t) \/ AdapterOpenFailed(t)>>_vars
            /\ \A t \in TabIdRange :
                  []<>~AdapterCanClose(t) \/ []<><<AdapterClosed(t)>>_vars

\* The hand-written guards are exactly ENABLED (checked as an invariant, on a small model only).
FairnessGuardsMatchEnabled ==
    /\ ClockCanTick(0) = ENABLED <<ClockTick>>_vars
    /\ \A t \in TabIdRange :
          /\ AdapterCanAnswer(t) = ENABLED <<AdapterOpened(t) \/ AdapterOpenFailed(t)>>_vars
          /\ AdapterCanClose(t) = ENABLED <<AdapterClosed(t)>>_vars

\* ... and a step that advances lastNow is a ClockTick step (checked as a step property).
OnlyTickAdvancesTime == [][ClockTickStep => ClockTick]_vars

LiveSpec == Spec /\ Fairness

-----------------------------------------------------------------------------
(* Invariants: the names are shared with docs/protocol.md and the kernel's InvariantChecker. *)

\* Every time the model can write: a time of the clock plus at most the longest duration.
Durations == {HeartbeatTimeout, ReservationTime("default"), ReservationTime("pro"), PoolTtl, QueueTimeout}
Times == 0..(MaxTime + CHOOSE d \in Durations : \A e \in Durations : d >= e)

\* Written field by field (membership in record and Seq sets is slow in TLC).
TypeOK ==
    /\ lastNow \in 0..MaxTime
    /\ nextToken \in 1..(MaxRequests + 1)
    /\ nextTabId \in 1..(MaxTabIds + 1)
    /\ nextRequestId \in 1..(MaxRequests + 1)
    /\ nextWaitSeq \in 1..(2 * MaxRequests + 1)
    /\ DOMAIN tabs \subseteq 1..(nextTabId - 1)
    /\ \A t \in DOMAIN tabs :
          /\ DOMAIN tabs[t] = {"tabId", "targetId", "key", "state", "sessionId", "poolExpiresAt", "epoch", "needsReset"}
          /\ tabs[t].tabId = t
          /\ tabs[t].targetId \in {NoTarget, TargetOf(t)}
          /\ tabs[t].key \in Keys
          /\ tabs[t].state \in TabStates
          /\ tabs[t].sessionId \in SessionIds \cup {NoSession}
          /\ tabs[t].poolExpiresAt \in Times
          /\ tabs[t].epoch \in Nat
          /\ tabs[t].needsReset \in BOOLEAN
    /\ DOMAIN sessions \subseteq SessionIds
    /\ \A s \in DOMAIN sessions :
          LET ss == sessions[s] IN
          /\ DOMAIN ss = {"sessionId", "key", "requestClass", "tabId", "deadline", "conversationUrl",
                          "lease", "drivers", "waitSeq", "recoveryCount"}
          /\ ss.sessionId = s
          /\ ss.key \in Keys
          /\ ss.requestClass \in RequestClasses
          /\ ss.tabId \in 0..(nextTabId - 1)
          /\ ss.deadline \in Times
          /\ ss.conversationUrl \in {NoUrl} \cup Tokens
          /\ DOMAIN ss.lease = {"holder", "token", "lastBeat", "expiresAt"}
          /\ ss.lease.holder \in Holders \cup {NoHolder}
          /\ ss.lease.token \in 0..(nextToken - 1)
          /\ ss.lease.lastBeat \in Times
          /\ ss.lease.expiresAt \in Times
          /\ \A i \in DOMAIN ss.drivers :
                ss.drivers[i] \in [requestId : 1..(nextRequestId - 1), holder : Holders, queueDeadline : Times]
          /\ ss.waitSeq \in 0..(nextWaitSeq - 1)
          /\ ss.recoveryCount \in 0..(nextTabId - 1)

\* 1. at most one reservation per tab
OneReservationPerTab ==
    \A s1, s2 \in DOMAIN sessions :
        (s1 # s2 /\ sessions[s1].tabId # 0) => sessions[s1].tabId # sessions[s2].tabId

\* 1. a session is bound to at most one tab
OneTabPerSession ==
    \A s \in DOMAIN sessions : Cardinality({t \in DOMAIN tabs : tabs[t].sessionId = s}) <= 1

\* 1. at most one driver lease per session (structural), lease tokens are unique, and a lease
\*    exists only on a RESERVED tab of its session
OneDriverPerSession ==
    /\ \A s1, s2 \in DOMAIN sessions :
          (s1 # s2 /\ sessions[s1].lease.token # 0) => sessions[s1].lease.token # sessions[s2].lease.token
    /\ \A s \in DOMAIN sessions :
          sessions[s].lease.token # 0 =>
              /\ sessions[s].tabId \in DOMAIN tabs
              /\ tabs[sessions[s].tabId].state = RESERVED

\* 2. caps over tabs in every state
PerKeyCap == \A k \in Keys : Cardinality({t \in DOMAIN tabs : tabs[t].key = k}) <= MaxPerKeyOf(k)
GlobalCap == Cardinality(DOMAIN tabs) <= GlobalMax

\* 3. bound iff RESERVED for it or OPENING on its behalf (no binding without its reservation)
BindingIsReservation ==
    /\ \A s \in DOMAIN sessions :
          sessions[s].tabId # 0 =>
              /\ sessions[s].tabId \in DOMAIN tabs
              /\ tabs[sessions[s].tabId].sessionId = s
              /\ tabs[sessions[s].tabId].state \in {RESERVED, OPENING}
    /\ \A t \in DOMAIN tabs :
          /\ tabs[t].sessionId # NoSession =>
                /\ tabs[t].sessionId \in DOMAIN sessions
                /\ sessions[tabs[t].sessionId].tabId = t
                /\ tabs[t].state \in {RESERVED, OPENING}
          /\ tabs[t].state = RESERVED => tabs[t].sessionId # NoSession

\* 4. fencing, a step property: a session's conversationUrl changes only by the write of its current,
\*    unexpired lease holder (UrlOf(token) identifies the writer), and a lease is extended only
\*    while it is unexpired.
FencedWrites ==
    [][\A s \in DOMAIN sessions \cap DOMAIN sessions' :
          /\ sessions'[s].conversationUrl # sessions[s].conversationUrl =>
                /\ sessions[s].lease.token # 0
                /\ sessions'[s].conversationUrl = UrlOf(sessions[s].lease.token)
                /\ lastNow' < sessions[s].lease.expiresAt
          /\ (/\ sessions[s].lease.token # 0
              /\ sessions'[s].lease.token = sessions[s].lease.token
              /\ sessions'[s].lease.lastBeat # sessions[s].lease.lastBeat)
                => lastNow' < sessions[s].lease.expiresAt
      ]_vars

\* 5. nothing overdue.  In this model the clock moves only by Tick, and every other input creates
\*    times strictly after now, so every reachable state is "after a Tick at lastNow".
NothingOverdue ==
    /\ \A s \in DOMAIN sessions :
          /\ sessions[s].lease.token # 0 => sessions[s].lease.expiresAt > lastNow
          /\ sessions[s].deadline # 0 => sessions[s].deadline > lastNow
          /\ \A i \in 1..Len(sessions[s].drivers) : sessions[s].drivers[i].queueDeadline > lastNow
    /\ \A t \in DOMAIN tabs : tabs[t].state = POOLED => tabs[t].poolExpiresAt > lastNow

\* X. every lease expires by its session's deadline
LeaseWithinDeadline ==
    \A s \in DOMAIN sessions :
        sessions[s].lease.token # 0 => sessions[s].lease.expiresAt <= sessions[s].deadline

\* nobody waits for nothing (and a session waiting for a tab has a driver waiting for it)
WaitersAreWaiting ==
    \A s \in DOMAIN sessions :
        /\ sessions[s].drivers # <<>> =>
              \/ sessions[s].lease.token # 0
              \/ sessions[s].waitSeq # 0
              \/ IsOpening(Cur, s)
        /\ sessions[s].waitSeq # 0 => sessions[s].drivers # <<>>

\* a session whose RESERVED tab dies while it has a conversation URL keeps its slot: in the same step
\* it is bound again, to a new tab of its key, with one more recovery counted (a step property; a
\* RESERVED tab leaves the domain of tabs only by TabGone, and only ClockTick advances lastNow)
RecoveryKeepsSlot ==
    [][\A s \in DOMAIN sessions :
          LET t == sessions[s].tabId IN
          (/\ t \in DOMAIN tabs /\ tabs[t].state = RESERVED /\ t \notin DOMAIN tabs'
           /\ sessions[s].conversationUrl # NoUrl /\ lastNow' = lastNow)
          => /\ s \in DOMAIN sessions'
             /\ sessions'[s].tabId \in DOMAIN tabs'
             /\ sessions'[s].tabId # t
             /\ tabs'[sessions'[s].tabId].key = tabs[t].key
             /\ sessions'[s].recoveryCount = sessions[s].recoveryCount + 1
      ]_vars

\* (extra) a tab whose driver vanished mid-command is reset before anyone drives it again
ResetBeforeDrive ==
    \A s \in DOMAIN sessions :
        sessions[s].lease.token # 0 => ~tabs[sessions[s].tabId].needsReset

-----------------------------------------------------------------------------
(* Liveness, under LiveSpec.  The model's clock stops at MaxTime, so each property speaks only of  *)
(* what falls due by MaxTime.                                                                      *)

LeaseBeat(s) == IF s \in DOMAIN sessions /\ sessions[s].lease.token # 0
                THEN sessions[s].lease.lastBeat ELSE MaxTime + 1
ShortestReservation == CHOOSE d \in {ReservationTime(c) : c \in RequestClasses} :
                           \A e \in {ReservationTime(c) : c \in RequestClasses} : d <= e
DeadlineOf(s) == IF s \in DOMAIN sessions THEN sessions[s].deadline ELSE 0
AllWaiters == UNION {{sessions[s].drivers[i] : i \in 1..Len(sessions[s].drivers)} : s \in DOMAIN sessions}
QueueDeadlineOf(r) == LET ws == {w \in AllWaiters : w.requestId = r}
                      IN IF ws = {} THEN 0 ELSE (CHOOSE w \in ws : TRUE).queueDeadline

\* a driver that stops heartbeating loses its lease
SilentDriverLosesLease ==
    \A s \in SessionIds : \A b \in 0..(MaxTime - HeartbeatTimeout) :
        (LeaseBeat(s) = b) ~> (LeaseBeat(s) # b)

\* every reservation (and every unbound session's claim) ends by its deadline at the latest
ReservationEndsByDeadline ==
    \A s \in SessionIds : \A d \in ShortestReservation..MaxTime : (DeadlineOf(s) = d) ~> (DeadlineOf(s) # d)

\* every waiter is granted or rejected, by its queue deadline at the latest
WaiterAnsweredByDeadline ==
    \A r \in 1..MaxRequests : (QueueDeadlineOf(r) \in 1..MaxTime) ~> (QueueDeadlineOf(r) = 0)

\* no tab stays OPENING or CLOSING forever (the adapter eventually answers)
NoTabStuckOpening == \A t \in TabIdRange : TabIn(t, OPENING) ~> ~TabIn(t, OPENING)
NoTabStuckClosing == \A t \in TabIdRange : TabIn(t, CLOSING) ~> ~TabIn(t, CLOSING)

Symmetry == Permutations(Keys) \cup Permutations(SessionIds) \cup Permutations(Holders)
=============================================================================
