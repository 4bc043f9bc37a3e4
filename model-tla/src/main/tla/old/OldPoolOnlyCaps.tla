--------------------------- MODULE OldPoolOnlyCaps ---------------------------
(***************************************************************************)
(* Seed defect 5: no admission control on live concurrency.               *)
(*                                                                         *)
(* ensureProviderTab (cli.mjs:972-1011) reuses a pooled tab of the key,    *)
(* else calls createTab unconditionally (maxTabs: Infinity).  globalMax    *)
(* and maxPerKey are consulted only by selectOverflowAndExpired, over      *)
(* pooled rows: they cap the idle pool, never the tabs in use.             *)
(*                                                                         *)
(* Sends are counted per key (a counting abstraction: sends of one key are *)
(* interchangeable).  With the real defaults (maxPerKey 3, globalMax 8)    *)
(* and 3 sends on each of 3 keys, the 9th concurrent send opens a 9th tab. *)
(* CapsOnAllTabs = FALSE is the old design; TRUE applies both caps to all  *)
(* tabs before opening one (the new dispatch; a send that does not fit     *)
(* waits) and both caps hold.                                              *)
(***************************************************************************)
EXTENDS Naturals

CONSTANTS NumKeys, SendsPerKey, MaxPerKey, GlobalMax, CapsOnAllTabs

Keys == 1..NumKeys

VARIABLES idle,      \* idle[k]: sends of key k not started yet
          active,    \* active[k]: tabs of k in use by a send ('active-session')
          pooled     \* pooled[k]: idle tabs of k in the pool
vars == <<idle, active, pooled>>

RECURSIVE SumOver(_, _)
SumOver(f, S) == IF S = {} THEN 0 ELSE LET k == CHOOSE x \in S : TRUE IN f[k] + SumOver(f, S \ {k})

TabsOfKey(k) == active[k] + pooled[k]
AllTabs == SumOver(active, Keys) + SumOver(pooled, Keys)

Init == /\ idle = [k \in Keys |-> SendsPerKey]
        /\ active = [k \in Keys |-> 0]
        /\ pooled = [k \in Keys |-> 0]

\* ensureProviderTab: a pooled tab of the key, else createTab
Send(k) ==
    /\ idle[k] > 0
    /\ idle' = [idle EXCEPT ![k] = @ - 1]
    /\ active' = [active EXCEPT ![k] = @ + 1]
    /\ IF pooled[k] > 0
       THEN pooled' = [pooled EXCEPT ![k] = @ - 1]
       ELSE /\ ~CapsOnAllTabs \/ (TabsOfKey(k) < MaxPerKey /\ AllTabs < GlobalMax)
            /\ UNCHANGED pooled

\* releaseCompletedLease: the tab goes back to the pool
Finish(k) ==
    /\ active[k] > 0
    /\ active' = [active EXCEPT ![k] = @ - 1]
    /\ pooled' = [pooled EXCEPT ![k] = @ + 1]
    /\ UNCHANGED idle

\* selectOverflowAndExpired: the caps, over pooled rows only
PoolCleanup(k) ==
    /\ pooled[k] > 0
    /\ pooled[k] > MaxPerKey \/ SumOver(pooled, Keys) > GlobalMax
    /\ pooled' = [pooled EXCEPT ![k] = @ - 1]
    /\ UNCHANGED <<idle, active>>

Next == \/ \E k \in Keys : Send(k) \/ Finish(k) \/ PoolCleanup(k)
        \/ UNCHANGED vars

Spec == Init /\ [][Next]_vars

PerKeyCap == \A k \in Keys : TabsOfKey(k) <= MaxPerKey
GlobalCap == AllTabs <= GlobalMax
=============================================================================
