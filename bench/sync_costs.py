"""Where a synced record's CPU time goes: each step of the check, per 3 KB record, in one process.

    .venv/bin/python -m bench.sync_costs

The steps that run for every record before it is written (best of 5 rounds): reading the JSON
body (I-JSON checks; the standard library's strict reading for comparison), loading the record by
its schema (compiled loader, and marshmallow's own load for comparison), the form's rules, the
content hash, and the answers' text for their column (json.dumps for comparison); then a whole batch of 50 through
the app in-process (Flask test client, no HTTP), so that what the steps leave out shows too.
At 2 cores, 1 s / (CPU time per record) x 2 is the most records/s any number of workers can sync.
"""
from __future__ import annotations

import json
import time
import timeit

from bench.harness import FAST_HASHING, PASSWORD, prepare_instance, print_table
from testing.accounts import login_test_client
from testing.records import overload_record, sync_body


def _best_us(function, number: int) -> float:
    return min(timeit.repeat(function, number=number, repeat=5)) / number * 1e6


def measure(batches: int = 20) -> dict:
    from server import create_app
    from server.forms import service as forms
    from server.forms.validation import validate_answers
    from server.inspections.record_loader import compile_loader
    from server.inspections.schemas import RecordSchema
    from server.inspections.service import record_content_hash
    from server.json_text import stored_json_text
    from server.schemas import loads_strict, strict_reading

    url, storage = prepare_instance()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "STORAGE_DIR": storage, **FAST_HASHING})
    record, schema = overload_record(), RecordSchema()
    load = compile_loader(schema)
    body = json.dumps(sync_body(*[overload_record() for _ in range(50)]), ensure_ascii=False).encode()
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
    client = app.test_client()
    token = login_test_client(client, "officer1", PASSWORD)
    bodies = [json.dumps(sync_body(*[overload_record() for _ in range(50)]), ensure_ascii=False).encode()
              for _ in range(batches + 1)]
    headers = {"X-CSRF-Token": token, "Content-Type": "application/json"}
    rounds = []
    for index, data in enumerate(bodies):
        started = time.process_time()
        assert client.post("/api/sync", data=data, headers=headers).status_code == 200
        if index:  # the first batch warms caches
            rounds.append((time.process_time() - started) / 50 * 1e6)
    return {"steps": steps, "whole_us": min(rounds)}


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


if __name__ == "__main__":
    main()
