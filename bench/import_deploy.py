"""Import + deploy of the largest OTOBO example process through the use cases, on SQLite.

Times loading the YAML text, ``import_process`` and ``deploy_process`` (``ticketflow.usecases``) of
the largest file in ``../shared/otobo-examples`` (by bytes) that deploys; the catalog entries it
refers to (queues, states, dynamic fields …) are created first, outside the timing. Examples whose
deploy is refused (OTOBO's ITIL templates: user tasks without a dialog, among others) are skipped for
the timing; for the largest example, YAML load and parse + validate are timed in any case.

Each repetition runs on a fresh copy of a prepared database with a warm engine and a new runtime.

Run: .venv/bin/python bench/import_deploy.py   [--quick]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import text

from benchkit import OTOBO_EXAMPLES, latency_text, machine, summarize, write_result
from ticketflow.db.connect import create_engine_for
from ticketflow.db.migrate import upgrade
from ticketflow.db.seed import seed_defaults
from ticketflow.db.unit_of_work import SqlUnitOfWork
from ticketflow.domain.catalog import DynamicFieldType
from ticketflow.domain.errors import DefinitionError
from ticketflow.domain.references import ReferenceKind, collect_references
from ticketflow.outbound.scripts import load_scripts, load_validators
from ticketflow.usecases.catalog_records import (
    Agent,
    CatalogRecord,
    DynamicField,
    NotificationTemplate,
    Priority,
    Queue,
    Role,
    Service,
    Sla,
    State,
    TicketType,
    WebService,
)
from ticketflow.usecases.processes import check_process, deploy_process, import_process, parse_document
from ticketflow.usecases.runtime import ProcessRuntime
from ticketflow.usecases.yaml_text import load_yaml

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
TARGET_MS = 200.0


def load(path: Path) -> dict[str, Any]:
    """The file as an import reads it (``ticketflow.usecases.yaml_text``, libyaml's parser)."""
    document = load_yaml(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def _record(kind: ReferenceKind, name: str) -> CatalogRecord | None:
    """A catalog record standing in for what a real system would already have."""
    if kind is ReferenceKind.STATE:
        state_type = (
            "closed"
            if name.startswith("closed")
            else "pending reminder"
            if name.startswith("pending")
            else "open"
        )
        return State(name, state_type)
    makers: dict[ReferenceKind, Any] = {
        ReferenceKind.QUEUE: Queue,
        ReferenceKind.PRIORITY: Priority,
        ReferenceKind.TYPE: TicketType,
        ReferenceKind.SERVICE: Service,
        ReferenceKind.SLA: Sla,
        ReferenceKind.USER: Agent,
        ReferenceKind.ROLE: Role,
        ReferenceKind.WEB_SERVICE: WebService,
        ReferenceKind.DYNAMIC_FIELD: lambda n: DynamicField(n, n, DynamicFieldType.TEXT),
        ReferenceKind.NOTIFICATION_TEMPLATE: lambda n: NotificationTemplate(n, n, n),
    }
    maker = makers.get(kind)
    return maker(name) if maker else None


def prepared_database(document: dict[str, Any], directory: Path) -> Path:
    """A migrated, seeded SQLite file holding every catalog entry ``document`` refers to."""
    path = directory / "template.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = create_engine_for(url)
    try:
        with SqlUnitOfWork(engine) as uow:
            seed_defaults(uow)
            uow.commit()
        process = parse_document(document).process
        with SqlUnitOfWork(engine) as uow:
            catalog = uow.catalog.catalog()
            present = {
                ReferenceKind.QUEUE: catalog.queues,
                ReferenceKind.STATE: catalog.states,
                ReferenceKind.PRIORITY: catalog.priorities,
                ReferenceKind.USER: catalog.users,
                ReferenceKind.TYPE: catalog.types,
            }
            for ref in collect_references(process).items:
                if ref.name in present.get(ref.kind, ()):
                    continue
                record = _record(ref.kind, ref.name)
                if record is not None and uow.catalog.find(type(record), ref.name) is None:
                    uow.catalog.add(record)
            uow.commit()
    finally:
        engine.dispose()
    return path


def runtime() -> ProcessRuntime:
    return ProcessRuntime(scripts=load_scripts(), validators=load_validators())


def deploys(document: dict[str, Any], directory: Path) -> tuple[bool, str]:
    """Whether the example deploys here (and why not)."""
    path = prepared_database(document, directory)
    engine = create_engine_for(f"sqlite:///{path}")
    try:
        factory = partial(SqlUnitOfWork, engine)
        result = import_process(factory, runtime(), document, imported_by="bench", now=NOW)
        deploy_process(factory, runtime(), result.key, deployed_by="bench", now=NOW)
        return True, ""
    except DefinitionError as error:
        return False, str(error).splitlines()[0][:300]
    finally:
        engine.dispose()


def time_import_deploy(path: Path, directory: Path, reps: int) -> dict[str, Any]:
    """The file's text read beforehand; timed from loading it (as an import does) to deployed."""
    source = path.read_text(encoding="utf-8")
    template = prepared_database(load(path), directory)
    samples, imports, deploys_ms = [], [], []
    for rep in range(reps + 1):  # the first is a warm-up
        copy = directory / f"rep{rep}.db"
        shutil.copyfile(template, copy)
        engine = create_engine_for(f"sqlite:///{copy}")
        with engine.connect() as connection:  # open the pooled connection outside the timing
            connection.execute(text("SELECT 1"))
        factory = partial(SqlUnitOfWork, engine)
        run = runtime()
        t0 = time.perf_counter()
        document = load_yaml(source)
        result = import_process(factory, run, document, imported_by="bench", now=NOW)
        t1 = time.perf_counter()
        deploy_process(factory, run, result.key, deployed_by="bench", now=NOW)
        t2 = time.perf_counter()
        engine.dispose()
        copy.unlink()
        if rep:
            imports.append((t1 - t0) * 1e3)
            deploys_ms.append((t2 - t1) * 1e3)
            samples.append((t2 - t0) * 1e3)
    return {
        "import_plus_deploy_ms": summarize(samples, "ms"),
        "import_ms": summarize(imports, "ms"),
        "deploy_ms": summarize(deploys_ms, "ms"),
    }


def time_parse_validate(path: Path, directory: Path, reps: int) -> dict[str, Any]:
    """YAML load, and parse (OTOBO → our model) + validate against a prepared catalog."""
    document = load(path)
    engine = create_engine_for(f"sqlite:///{prepared_database(document, directory)}")
    try:
        with SqlUnitOfWork(engine) as uow:
            catalog = uow.catalog.catalog()
    finally:
        engine.dispose()
    run = runtime()
    loads, parses = [], []
    for rep in range(reps + 1):
        t0 = time.perf_counter()
        fresh = load(path)
        t1 = time.perf_counter()
        check_process(parse_document(fresh).process, catalog, run)
        t2 = time.perf_counter()
        if rep:
            loads.append((t1 - t0) * 1e3)
            parses.append((t2 - t1) * 1e3)
    return {"yaml_load_ms": summarize(loads, "ms"), "parse_and_validate_ms": summarize(parses, "ms")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    reps = 5 if args.quick else 30
    examples = sorted(OTOBO_EXAMPLES.glob("*.yml"), key=lambda p: p.stat().st_size, reverse=True)
    if not examples:
        print(f"skipped: no examples at {OTOBO_EXAMPLES}")
        write_result("import_deploy", {"machine": machine(), "skipped": f"no examples at {OTOBO_EXAMPLES}"})
        return
    refused: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="ticketflow-bench-") as name:
        directory = Path(name)
        largest = examples[0]
        (directory / "parse").mkdir()
        parse = time_parse_validate(largest, directory / "parse", reps)
        print(
            f"largest example {largest.name} ({largest.stat().st_size:,} bytes): YAML load "
            f"{latency_text(parse['yaml_load_ms'])} ms, parse + validate"
            f" {latency_text(parse['parse_and_validate_ms'])} ms"
        )
        chosen = None
        for path in examples:
            trial = directory / f"trial-{path.stem}"
            trial.mkdir()
            ok, why = deploys(load(path), trial)
            if ok:
                chosen = path
                break
            refused.append({"example": path.name, "bytes": path.stat().st_size, "deploy_refused": why})
            print(f"{path.name}: deploy refused ({why[:120]}…)")
        assert chosen is not None, "no example deploys"
        (directory / "timed").mkdir()
        timing = time_import_deploy(chosen, directory / "timed", reps)
    median = timing["import_plus_deploy_ms"]["median"]
    print(
        f"{chosen.name} ({chosen.stat().st_size:,} bytes): import + deploy "
        f"{latency_text(timing['import_plus_deploy_ms'])} ms (median / p90 / p99 [min–max]); "
        f"import {timing['import_ms']['median']:.1f} ms, deploy {timing['deploy_ms']['median']:.1f} ms; "
        f"target {TARGET_MS:.0f} ms → {'met' if median <= TARGET_MS else 'MISSED'}"
    )
    write_result(
        "import_deploy",
        {
            "machine": machine(),
            "quick": args.quick,
            "reps": reps,
            "largest": {"example": largest.name, "bytes": largest.stat().st_size, **parse},
            "refused": refused,
            "timed": {"example": chosen.name, "bytes": chosen.stat().st_size, **timing},
            "target_ms": TARGET_MS,
        },
    )


if __name__ == "__main__":
    main()
