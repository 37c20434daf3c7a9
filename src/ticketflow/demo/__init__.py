"""Demo data for ``ticketflow demo load``: the Example Corp catalog and four demo processes.

``load_demo(application, now)`` is idempotent; see ``loader`` for what it skips and why.
"""

from ticketflow.demo.loader import DemoLogin, DemoProcess, DemoSummary, ProcessOutcome, RecordName, load_demo

__all__ = ["DemoLogin", "DemoProcess", "DemoSummary", "ProcessOutcome", "RecordName", "load_demo"]
