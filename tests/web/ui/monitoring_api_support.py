"""A second version of the demo's purchase request for the monitoring tests: the same process under
another name, deployed as version 2, so tickets started afterwards are pinned to it."""

from __future__ import annotations

from pages_support import NOW

from ticketflow.bootstrap import Application
from ticketflow.domain.formats.native_json import process_to_dict
from ticketflow.usecases import processes


def deploy_second_version(application: Application) -> int:
    """Deploy the purchase request renamed as its next version; its number."""
    current = processes.load_process(application.uow, "purchase-request")
    document = process_to_dict(current)
    document["name"] = "Purchase request (second)"
    processes.save_draft(application.uow, document, saved_by="root@localhost", expected_revision=None)
    result = processes.deploy_process(
        application.uow, application.runtime, "purchase-request", deployed_by="root@localhost", now=NOW
    )
    assert not result.unchanged
    return result.version
