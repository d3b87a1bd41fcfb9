"""Where a synced record's CPU time goes: each step of the check, per 3 KB record, in one process.

    .venv/bin/python -m bench.sync_costs

The steps that run for every record before it is written (best of 5 rounds): reading the JSON
body (I-JSON checks; the standard library's strict reading for comparison), loading the record by
its schema (compiled loader, and marshmallow's own load for comparison), the form's rules, the
content hash, and the answers' text for their column (json.dumps for comparison); then a whole batch of 50 through
the app in-process (Flask test client, no HTTP), so that what the steps leave out shows too.
At 2 cores, 1 s / (CPU time per record) x 2 is the most records/s any number of workers can sync.

Two more tables split that whole batch, and a one-record sync, by stage, measured inside the
requests themselves (`stages`): each stage's own CPU time, the stages it calls left out, so that
the stages and what lies outside them add up to the whole (issue 19: the profile of what is left,
per step). Inside a request a step costs more than on its own, where one record is loaded again
and again with warm caches.
"""
from __future__ import annotations

import functools
import importlib
import json
import shutil
import time
import timeit
from contextlib import contextmanager

from bench.harness import FAST_HASHING, PASSWORD, prepare_instance, print_table
from testing.accounts import login_test_client
from testing.records import overload_record, sync_body


def _best_us(function, number: int) -> float:
    return min(timeit.repeat(function, number=number, repeat=5)) / number * 1e6


def _batch_body(size: int = 50) -> bytes:
    return json.dumps(sync_body(*[overload_record() for _ in range(size)]), ensure_ascii=False).encode()


@contextmanager
def _instance():
    """A fresh instance with officer1 logged in (in-process, Flask test client): yields the app
    and `sync(body)`, which posts a sync and checks it was answered; removed afterwards."""
    from server import create_app
    from server.extensions import db

    url, storage = prepare_instance()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "STORAGE_DIR": storage, **FAST_HASHING})
    try:
        client = app.test_client()
        headers = {"X-CSRF-Token": login_test_client(client, "officer1", PASSWORD),
                   "Content-Type": "application/json"}

        def sync(body: bytes) -> None:
            assert client.post("/api/sync", data=body, headers=headers).status_code == 200
        yield app, sync
    finally:
        with app.app_context():
            db.engine.dispose()
        shutil.rmtree(storage, ignore_errors=True)


def measure(batches: int = 20) -> dict:
    from server.forms import service as forms
    from server.forms.validation import validate_answers
    from server.inspections.record_loader import compile_loader
    from server.inspections.schemas import RecordSchema
    from server.inspections.service import record_content_hash
    from server.json_text import stored_json_text
    from server.schemas import loads_strict, strict_reading

    record, schema = overload_record(), RecordSchema()
    load = compile_loader(schema)
    body = _batch_body()
    with _instance() as (app, sync):
        with app.app_context():
            form = forms.get_form_version("overload", 1)
            answers = schema.load(record)["answers"]
            steps = {
                "read the JSON body (I-JSON checks)": _best_us(lambda: loads_strict(body), 20) / 50,
                "  the strict reading alone, for comparison": _best_us(lambda: strict_reading(body), 20) / 50,
                "load by the record schema (compiled)": _best_us(lambda: load(record), 300),
                "  marshmallow's own load, for comparison": _best_us(lambda: schema.load(record), 100),
                "the form's rules (validate_answers)": _best_us(lambda: validate_answers(form, answers), 200),
                "content hash (canonical JSON, SHA-256)": _best_us(lambda: record_content_hash(record), 500),
                "answers' text for their column": _best_us(lambda: stored_json_text(answers), 2000),
                "  json.dumps, for comparison": _best_us(lambda: json.dumps(answers), 2000),
            }
        rounds = []
        for index, data in enumerate([_batch_body() for _ in range(batches + 1)]):
            started = time.process_time()
            sync(data)
            if index:  # the first batch warms caches
                rounds.append((time.process_time() - started) / 50 * 1e6)
    return {"steps": steps, "whole_us": min(rounds)}


# The stages of a sync request that `stages` times: (label, module, owner in it, attribute). A
# stage's time leaves out the stages it calls; listed outer stages first.
STAGES = (
    ("the request's JSON body (I-JSON checks)", "server.schemas", None, "loads_strict"),
    ("the batch's look-ups (users, forms)", "server.inspections.checks", "BatchLookups", "__init__"),
    ("checks: load by the record schema", "server.inspections.service", None, "_load_valid_record"),
    ("checks: content hash", "server.inspections.service", None, "record_content_hash"),
    ("checks: the form's rules", "server.inspections.checks", None, "validate_answers"),
    ("checks: times, officers, evidence (check_record's own)", "server.inspections.checks", None,
     "check_record"),
    ("rows to insert and their audit facts (Rows.of)", "server.inspections.sync_rows", "Rows", "of"),
    ("rows bound for SQLite's driver (bind_ahead)", "server.inspections.sync_rows", "Rows", "bind_ahead"),
    ("the checking loop's own", "server.inspections.service", None, "_check_records"),
    ("writer's turn: insert the records", "server.inspections.service", None, "_insert_new_records"),
    ("writer's turn: audit entries", "server.inspections.sync_rows", None, "record_events"),
    ("writer's turn: officers, evidence rows (Writes.flush's own)", "server.inspections.sync_rows",
     "Writes", "flush"),
    ("writer's turn: rechecks and answers (_write_batch's own)", "server.inspections.service", None,
     "_write_batch"),
    ("the turn taken, BEGIN and COMMIT (the group commit's own)", "server.group_commit", "GroupCommit",
     "_run_group"),
    ("sync_batch's own", "server.inspections.service", None, "sync_batch"),
    ("the answer's JSON", "server.inspections.routes", None, "sync_response"),
)
OUTSIDE = "outside these: Flask, the session's user, the request's schema, the timers"


@contextmanager
def timed_stages(totals: dict[str, float]):
    """Wrap each of STAGES so that its own CPU time on the calling thread (time.thread_time, less
    the stages it calls) adds to `totals[label]`, in seconds; the originals are put back after.
    One thread at a time: the in-process requests of `stages`, whose group commit is led by the
    request's own thread."""
    stack: list[list[float]] = []  # per open stage: [its start, the time of the stages it called]

    def timer(label: str, function):
        @functools.wraps(function)
        def timed(*args, **kwargs):
            frame = [time.thread_time(), 0.0]
            stack.append(frame)
            try:
                return function(*args, **kwargs)
            finally:
                stack.pop()
                spent = time.thread_time() - frame[0]
                totals[label] = totals.get(label, 0.0) + spent - frame[1]
                if stack:
                    stack[-1][1] += spent
        return timed

    restore = []
    try:
        for label, module_name, owner_name, attribute in STAGES:
            module = importlib.import_module(module_name)
            owner = getattr(module, owner_name) if owner_name else module
            original = owner.__dict__[attribute] if owner_name else getattr(module, attribute)
            if isinstance(original, classmethod):
                wrapped = classmethod(timer(label, original.__func__))
            else:
                wrapped = timer(label, original)
            setattr(owner, attribute, wrapped)
            restore.append((owner, attribute, original))
        yield totals
    finally:
        for owner, attribute, original in reversed(restore):
            setattr(owner, attribute, original)


def stages(batches: int = 8, rounds: int = 5, size: int = 50) -> dict:
    """CPU per record of each stage of a batch of `size` records synced in-process, in the round
    (of `batches` batches) whose whole took least, as `measure` takes the best batch: the machine's
    speed drifts by half from one minute to the next. The first batch warms caches and is not
    counted. {"stages": {label: µs}, "timed_whole_us": that round's whole with the timers set,
    outside the stages included}. The timers cost about 1 µs a call: compare the whole with
    `measure`'s."""
    best: tuple[float, dict] | None = None
    with _instance() as (_app, sync), timed_stages({}) as totals:
        sync(_batch_body(size))
        for _ in range(rounds):
            bodies = [_batch_body(size) for _ in range(batches)]
            totals.clear()
            whole = 0.0
            for data in bodies:
                started = time.thread_time()
                sync(data)
                whole += time.thread_time() - started
            if best is None or whole < best[0]:
                best = whole, dict(totals)
    whole, spent = best
    records = batches * size
    per_record = {label: spent.get(label, 0.0) / records * 1e6 for label, *_ in STAGES}
    per_record[OUTSIDE] = (whole - sum(spent.values())) / records * 1e6
    return {"stages": per_record, "timed_whole_us": whole / records * 1e6}


def stage_rows(figures: dict) -> list[tuple]:
    whole = figures["timed_whole_us"]
    table = [(stage, f"{us:,.0f}", "µs/record", f"whole {whole:,.0f}", f"{us / whole:.2f}")
             for stage, us in sorted(figures["stages"].items(), key=lambda item: -item[1])]
    table.append(("whole, with the stage timers set", f"{whole:,.0f}", "µs/record", "", ""))
    return table


def rows(figures: dict) -> list[tuple]:
    whole = figures["whole_us"]
    table = [(step, f"{us:,.0f}", "µs/record", f"whole {whole:,.0f}", f"{us / whole:.2f}")
             for step, us in figures["steps"].items()]
    table.append(("whole sync of a batch of 50, in-process (CPU)", f"{whole:,.0f}", "µs/record", "", ""))
    table.append(("  so at most, on 2 cores", f"{2e6 / whole:,.0f}", "records/s", "target 10,000",
                  f"{2e6 / whole / 10000:.2f}"))
    return table


def main() -> None:
    print_table("Sync: CPU per record, by step", rows(measure()))
    print()
    print_table("Sync: CPU per record of a batch of 50, by stage inside the request", stage_rows(stages()))
    print()
    print_table("Sync: CPU of a one-record sync, by stage inside the request",
                stage_rows(stages(batches=200, size=1)))


if __name__ == "__main__":
    main()
