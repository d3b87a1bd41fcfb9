"""`bench.sync_floor` (issue 19: the floor under a synced record's CPU) measures real work: its
durable write stores a batch's rows again in FieldCase's own tables, meeting their constraints,
its steps add up to the floor it prints, and its rows are built from the record they stand for."""
from __future__ import annotations

import math
import sqlite3
import uuid

from bench import sync_costs, sync_floor
from testing.records import overload_record, sync_body


def test_the_write_stores_a_batch_again_in_the_real_tables_under_new_uuids():
    import orjson

    with sync_costs._instance() as (app, sync):
        sync(orjson.dumps(sync_body(*[overload_record() for _ in range(sync_floor.SIZE)])))
        path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
        connection = sqlite3.connect(path, isolation_level=None)
        try:
            connection.execute("PRAGMA foreign_keys = ON")
            count = {table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
                     for table in (*sync_floor._RowsAgain.TABLES, "audit_entries")}
            again = sync_floor._RowsAgain(connection)
            parts = again.write(connection, again.fresh())
            after = {table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
                     for table in count}
            seqs = [row[0] for row in connection.execute("SELECT seq FROM audit_entries ORDER BY seq")]
            assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        finally:
            connection.close()
    assert after["inspections"] == 2 * count["inspections"] == 2 * sync_floor.SIZE
    assert after["inspection_officers"] == 2 * count["inspection_officers"]
    assert after["evidence"] == 2 * count["evidence"] > 2 * sync_floor.SIZE
    assert after["audit_entries"] == count["audit_entries"] + sync_floor.SIZE
    assert seqs == list(range(1, len(seqs) + 1))  # numbered on from the log's end
    assert all(seconds >= 0 for seconds in parts.values()) and "COMMIT (CPU, not the fsync's wait)" in parts


def test_a_record_s_rows_hold_its_own_values_in_the_tables_column_order():
    record = overload_record()
    typed = sync_floor._typed(record)
    inspection, officers, evidence = sync_floor._row_values(record, typed)
    assert inspection[0] == uuid.UUID(record["uuid"]).hex
    assert record["subject"]["name"] in inspection and record["device_id"] in inspection
    assert [row[3] for row in officers] == ["330" + name for name in record["officers"]]
    assert [row[4] for row in evidence] == [e["sha256"] for e in record["evidence"]]


def test_the_steps_add_up_to_the_floor_it_compares_with_the_target():
    figures = sync_floor.measure(batches=1)
    assert all(us > 0 for us in figures["steps"].values()), figures["steps"]
    assert math.isclose(sum(figures["steps"].values()), figures["floor_us"], rel_tol=1e-9)
    assert math.isclose(sum(figures["write_parts"].values()), figures["steps"][sync_floor.WRITE], rel_tol=1e-9)
    table = sync_floor.rows(figures)
    floor_row = next(row for row in table if row[0].startswith("the floor"))
    assert floor_row[3] == f"target {sync_floor.TARGET_US}"
    assert float(floor_row[4]) == round(figures["floor_us"] / sync_floor.TARGET_US, 2)
