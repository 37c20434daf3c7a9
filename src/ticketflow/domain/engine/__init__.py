"""The engine's step: one event moves a ticket's process position as far as it goes, as a pure function.

``advance(process, position, snapshot, event, context)`` returns a ``Step``: the new position, the
ticket as changed by the step, the effects in order (ticket changes for the use case to apply, jobs to
enqueue) and a trace of everything that happened and why. It reads no clock and writes nothing.

Semantics (reference §3.2–3.7, and where OTOBO is unsound, better):

* Entering an activity, by type: ``user_task`` → ACTIVE, then its transitions are checked;
  ``script_task`` → its script runs, its effects apply, then its transitions are checked (none
  matching: it stays ACTIVE there); ``service_task`` → a ``CallWebService`` job, WAITING;
  ``sub_process`` → a ``StartSubProcess`` effect, WAITING; ``end`` → COMPLETED.
* Checking: the activity's outgoing transitions in listed order; the first that matches moves. A
  misconfigured condition (``ConditionError``) stops the check of that activity without a move, as in
  OTOBO (Q7), but the trace shows it (Q11).
* A move runs the transition's actions in order, each on the ticket as changed by the ones before
  (OTOBO re-reads the ticket, §3.5), then enters the target, so moves chain (OTOBO ≥ 10.1, §3.2 point 4).
  A move back to the same user task does not chain; one back to another kind of activity re-enters it
  (a service task calls again), and the hop limit catches a loop.
* Unlike OTOBO (Q8), a failing action or script does not leave half a move behind: the effects of the
  failed move are discarded (earlier moves of the step stay), then the source activity's error
  transition (its ``error_code``, or ``*``) is taken when one is modelled, else the position becomes
  FAILED there with the reason. An error transition whose own actions fail ends in FAILED.
* More than ``hop_limit`` chained moves in one step stop with a FAILED position naming the loop.
* ``TicketChanged`` acts only on ACTIVE positions, job results only on a position WAITING for that
  kind of job (a duplicate delivery changes nothing), ``Retry`` only on FAILED ones.

The engine never raises for a process author's mistake at runtime; it records it.

Modules: ``events`` (what can happen), ``compiled`` (the indexed process and the context),
``step`` (``advance`` and the drive loop), ``moves`` (checking, moving, failing over),
``activities`` (entering by type), ``state`` (the working state of one call).
"""

from ticketflow.domain.engine.compiled import (
    CompiledAction,
    CompiledProcess,
    CompiledTransition,
    EngineContext,
    compile_process,
    sub_process_results,
)
from ticketflow.domain.engine.events import (
    Event,
    Retry,
    ServiceTaskCompleted,
    ServiceTaskFailed,
    Started,
    SubProcessCompleted,
    TicketChanged,
)
from ticketflow.domain.engine.step import Step, advance

__all__ = [
    "CompiledAction",
    "CompiledProcess",
    "CompiledTransition",
    "EngineContext",
    "Event",
    "Retry",
    "ServiceTaskCompleted",
    "ServiceTaskFailed",
    "Started",
    "Step",
    "SubProcessCompleted",
    "TicketChanged",
    "advance",
    "compile_process",
    "sub_process_results",
]
