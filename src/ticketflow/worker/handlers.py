"""Which job handlers a worker runs: a ``module:function`` taking the ``Application``.

The default is the outbound side's ``ticketflow.bootstrap:job_handlers`` (web services, e-mail);
tests point ``--handlers`` (or ``TICKETFLOW_WORKER_HANDLERS``) at handlers of their own. A worker
claims only jobs of the kinds it has handlers for.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from ticketflow.domain.errors import InvalidInputError
from ticketflow.usecases.jobs import JobHandler

DEFAULT_HANDLERS = "ticketflow.bootstrap:job_handlers"


def load_handlers(spec: str, application: Any) -> Mapping[str, JobHandler]:
    """The handlers ``spec`` builds for ``application``, by kind. The default spec gives none (with
    no error) while ``bootstrap.job_handlers`` does not exist yet."""
    module_name, separator, name = spec.partition(":")
    if not separator or not module_name or not name:
        raise InvalidInputError(f"'{spec}' is not MODULE:FUNCTION", "--handlers")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise InvalidInputError(f"cannot import '{module_name}' ({error})", "--handlers") from None
    factory = getattr(module, name, None)
    if factory is None:
        if spec == DEFAULT_HANDLERS:
            return {}
        raise InvalidInputError(f"'{module_name}' has no '{name}'", "--handlers")
    handlers = factory(application)
    return {str(kind): handler for kind, handler in handlers.items()}
