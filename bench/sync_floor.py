"""The floor under a synced record's CPU (issue 19's 150 µs per record): what the sync contract's
own work costs when every step is done by the cheapest call this stack has, beside FieldCase's
whole in the same run.

    .venv/bin/python -m bench.sync_floor [--batches 20]

Per record of a batch of 50 overload records (testing/records.py), each step on its own, the
best of five repeats:
- read the body: orjson.loads (no I-JSON checks: duplicate keys and lone surrogates pass);
- typed values: the record's and its files' UUIDs and times parsed (uuid.UUID,
  datetime.fromisoformat), no other check of the record's shape or bounds;
- the form's rules: FieldCase's compiled checks (server/forms/form_checks.py), the cheapest
  implementation of them there is (nothing checks less and still checks the form);
- rows: the record's values as the driver takes them, a tuple per row (times as text, the
  answers as orjson's text);
- the rows' facts, which the audit entry vouches for: SHA-256 of orjson's text of those tuples;
- content hash: SHA-256 of orjson's sorted-keys text (not the canonical JSON that FieldCase
  hashes);
- the durable write: the rows FieldCase wrote for a batch of 50, inserted again under new UUIDs
  by the standard library's sqlite3 straight into the same tables (their indexes, checks and
  triggers), with one audit entry per record whose leaf hash is SHA-256 over orjson's text of
  it, in one BEGIN IMMEDIATE ... COMMIT with synchronous=FULL; its CPU, not the fsync's wait;
- the answer: orjson.dumps of the per-record answers.
No Flask, SQLAlchemy, marshmallow or session check; no officer, certificate or evidence look-up.
So each figure is below what the step can cost in any sync that keeps the contract, and their
sum is a floor for the in-process CPU per record, compared with FieldCase's own
(`bench.sync_costs.measure`) and with the target.
"""
from __future__ import annotations

import argparse
import hashlib
import sqlite3
import time
import uuid
from datetime import datetime

import orjson

from bench import sync_costs
from bench.harness import print_table
from bench.sync_costs import _best_us
from testing.records import overload_record, sync_body

TARGET_US = 150
SIZE = 50
WRITE = "the durable write: rows and audit entries, sqlite3, one commit"


def _typed(record: dict) -> tuple:
    """The record's UUIDs and times as Python values: the least a loader must make for its rows."""
    return (uuid.UUID(record["uuid"]), datetime.fromisoformat(record["started_at"]),
            datetime.fromisoformat(record["finished_at"]),
            [(uuid.UUID(e["uuid"]), datetime.fromisoformat(e["captured_at"])) for e in record["evidence"]])


def _row_values(record: dict, typed: tuple) -> tuple:
    """The record's rows as the driver takes them (one value per column, times as text, the
    answers as JSON text): the least a sync must build between the record and its INSERTs."""
    record_uuid, started, finished, files = typed
    subject, place, key = record["subject"], record["place"], record_uuid.hex
    inspection = (key, key, 1, None, None, "incomplete", record["form_id"], record["form_version"], 1, 1,
                  subject["kind"], subject["name"], subject.get("code"), subject.get("description"),
                  place.get("latitude"), place.get("longitude"), place.get("accuracy_m"), place.get("address"),
                  started.isoformat(), finished.isoformat(), orjson.dumps(record["answers"]).decode(), "{}",
                  record["device_id"], record["app_version"], started.isoformat(), 0, "0" * 64,
                  orjson.dumps([e["uuid"] for e in record["evidence"]]).decode(), len(files), 0, None, None,
                  None, None, None, None, 0)
    officers = [(key, n + 1, n, "330" + name) for n, name in enumerate(record["officers"])]
    evidence = [(file_uuid.hex, key, n, e["item_id"], e["sha256"], e["size"], e["media_type"],
                 captured.isoformat(), None)
                for n, (e, (file_uuid, captured)) in enumerate(zip(record["evidence"], files, strict=True))]
    return inspection, officers, evidence


class _RowsAgain:
    """The rows of one batch FieldCase stored, to insert again under fresh UUIDs."""

    TABLES = ("inspections", "inspection_officers", "evidence")

    def __init__(self, connection: sqlite3.Connection):
        read = connection.execute
        self.columns = {table: [row[1] for row in read(f"PRAGMA table_info({table})")] for table in self.TABLES}
        self.rows = {table: read(f"SELECT * FROM {table}").fetchall() for table in self.TABLES}  # noqa: S608
        self.audit = read("SELECT * FROM audit_entries WHERE action = 'inspection.submitted'").fetchall()
        self.audit_columns = [row[1] for row in read("PRAGMA table_info(audit_entries)")]
        assert len(self.rows["inspections"]) == SIZE and len(self.audit) == SIZE

    def insert_sql(self, table: str, columns: list[str]) -> str:
        return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"

    def fresh(self) -> tuple[list, list, list, list]:
        """One batch's rows under new UUIDs (made before the timer: a sync gets them from the
        phone), and its audit entries' content."""
        inspection_at = self.columns["inspections"].index("uuid")
        root_at = self.columns["inspections"].index("root_uuid")
        fresh = {}
        inspections = []
        for row in self.rows["inspections"]:
            new = fresh[row[inspection_at]] = uuid.uuid4().hex
            row = list(row)
            row[inspection_at] = row[root_at] = new
            inspections.append(row)
        officer_at = self.columns["inspection_officers"].index("inspection_uuid")
        officers = [row[:officer_at] + (fresh[row[officer_at]],) + row[officer_at + 1:]
                    for row in self.rows["inspection_officers"]]
        evidence_uuid_at = self.columns["evidence"].index("uuid")
        evidence_owner_at = self.columns["evidence"].index("inspection_uuid")
        evidence = []
        for row in self.rows["evidence"]:
            row = list(row)
            row[evidence_uuid_at], row[evidence_owner_at] = uuid.uuid4().hex, fresh[row[evidence_owner_at]]
            evidence.append(row)
        entries = []
        for row, new in zip(self.audit, fresh.values(), strict=True):
            entry = dict(zip(self.audit_columns, row, strict=True), object_id=str(uuid.UUID(new)))
            del entry["entry_hash"]
            entries.append(entry)
        return inspections, officers, evidence, entries

    def write(self, connection: sqlite3.Connection, rows: tuple[list, list, list, list]) -> dict[str, float]:
        """`fresh()`'s rows in one transaction: the audit entries numbered after the log's end
        and hashed, every row inserted, one commit. Returns each part's CPU, in seconds."""
        inspections, officers, evidence, entries = rows
        parts, clock = {}, time.process_time

        def part(name: str, started: float) -> float:
            now = clock()
            parts[name] = now - started
            return now

        started = clock()
        connection.execute("BEGIN IMMEDIATE")
        last = connection.execute("SELECT coalesce(max(seq), 0) FROM audit_entries").fetchone()[0]
        audit = []
        for seq, entry in enumerate(entries, start=last + 1):
            entry["seq"] = seq
            leaf = hashlib.sha256(b"\x00" + orjson.dumps(entry, option=orjson.OPT_SORT_KEYS)).hexdigest()
            audit.append([*entry.values(), leaf])
        started = part("BEGIN IMMEDIATE, the log's end, the audit entries' leaf hashes", started)
        for table, values in (("inspections", inspections), ("inspection_officers", officers),
                              ("evidence", evidence)):
            connection.executemany(self.insert_sql(table, self.columns[table]), values)
            started = part(f"INSERT {table} ({len(values) / SIZE:g} a record)", started)
        connection.executemany(self.insert_sql("audit_entries", [*entries[0], "entry_hash"]), audit)
        started = part("INSERT audit_entries (1 a record)", started)
        connection.execute("COMMIT")
        part("COMMIT (CPU, not the fsync's wait)", started)
        return parts


def measure(batches: int = 20) -> dict:
    from server.forms import service as forms
    from server.forms.form_checks import checks_of

    records = [overload_record() for _ in range(SIZE)]
    body = orjson.dumps(sync_body(*records))
    steps = {"read the body (orjson.loads)": _best_us(lambda: orjson.loads(body), 20) / SIZE,
             "typed values: UUIDs and times": _best_us(lambda: [_typed(r) for r in records], 50) / SIZE}
    typed = [_typed(r) for r in records]
    steps["rows: the values as the driver takes them (answers' text by orjson)"] = _best_us(
        lambda: [_row_values(r, t) for r, t in zip(records, typed, strict=True)], 50) / SIZE
    built = [_row_values(r, t) for r, t in zip(records, typed, strict=True)]
    steps["the rows' facts hashed for the audit entry to vouch for (SHA-256 of orjson)"] = _best_us(
        lambda: [hashlib.sha256(orjson.dumps(rows)).hexdigest() for rows in built], 50) / SIZE
    with sync_costs._instance() as (app, sync):
        with app.app_context():
            check = checks_of(forms.get_form_version("overload", 1))
            answers = [r["answers"] for r in records]
            assert not check(answers[0]).errors
            steps["the form's rules (FieldCase's compiled checks)"] = _best_us(
                lambda: [check(a) for a in answers], 20) / SIZE
        steps["content hash (SHA-256 of orjson, sorted keys)"] = _best_us(
            lambda: [hashlib.sha256(orjson.dumps(r, option=orjson.OPT_SORT_KEYS)).hexdigest() for r in records],
            50) / SIZE
        sync(orjson.dumps(sync_body(*records)))  # FieldCase stores one batch: the rows to write again
        path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
        connection = sqlite3.connect(path, isolation_level=None)
        try:
            for pragma in ("journal_mode = WAL", "synchronous = FULL", "foreign_keys = ON"):
                connection.execute(f"PRAGMA {pragma}")
            again = _RowsAgain(connection)
            again.write(connection, again.fresh())  # warms the page cache, as FieldCase's first batch
            best: dict[str, float] | None = None
            for _ in range(batches):
                parts = again.write(connection, again.fresh())
                if best is None or sum(parts.values()) < sum(best.values()):
                    best = parts
            steps[WRITE] = sum(best.values()) / SIZE * 1e6
            write_parts = {name: seconds / SIZE * 1e6 for name, seconds in best.items()}
        finally:
            connection.close()
    answers = [{"index": n, "uuid": r["uuid"], "status": "created"} for n, r in enumerate(records)]
    steps["the answer (orjson.dumps)"] = _best_us(lambda: orjson.dumps({"results": answers}), 200) / SIZE
    whole = sync_costs.measure(batches)["whole_us"]
    return {"steps": steps, "write_parts": write_parts, "floor_us": sum(steps.values()), "whole_us": whole}


def rows(figures: dict) -> list[tuple]:
    floor, whole = figures["floor_us"], figures["whole_us"]
    table = []
    for step, us in figures["steps"].items():
        table.append((step, f"{us:,.1f}", "µs/record", f"floor {floor:,.0f}", f"{us / floor:.2f}"))
        if step == WRITE:
            table += [(f"  {part}", f"{part_us:,.1f}", "µs/record", f"floor {floor:,.0f}", f"{part_us / floor:.2f}")
                      for part, part_us in figures["write_parts"].items()]
    table += [
        ("the floor: the steps above together", f"{floor:,.0f}", "µs/record", f"target {TARGET_US}",
         f"{floor / TARGET_US:.2f}"),
        ("FieldCase's whole, in-process (bench.sync_costs)", f"{whole:,.0f}", "µs/record", f"floor {floor:,.0f}",
         f"{whole / floor:.2f}"),
        ("  beside the target", f"{whole:,.0f}", "µs/record", f"target {TARGET_US}", f"{whole / TARGET_US:.2f}"),
    ]
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=20)
    args = parser.parse_args()
    print_table("Sync: the floor under a record's CPU, each step by the stack's cheapest call",
                rows(measure(args.batches)))


if __name__ == "__main__":
    main()
