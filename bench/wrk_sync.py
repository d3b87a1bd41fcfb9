"""Sync measured from outside with wrk (C, so the client costs almost nothing on two cores):
FieldCase (gunicorn, as `make run`) and the peer (pouchdb-server) in the same run, on the same
3 KB records, and the ratio FieldCase / peer (issue 19's targets: >= 1.0, p99 <= 100 ms).

    .venv/bin/python -m bench.wrk_sync [--seconds 10] [--no-peer] [--workers N]

One record per request from 16 connections (FieldCase: POST /api/sync; peer: PUT /db/<uuid>),
then batches of 50 from 4 connections (peer: POST /db/_bulk_docs). Every request carries records
never sent before (a Lua script walks a file of bodies), so every answer is a durable write.
Last, FieldCase alone: the one-record requests that it stored sent again, from 16 connections,
as phones resend what they lost the answers to (each answered `duplicate` from the stored row).
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from bench import peer
from bench.harness import DEFAULT_WORKERS, PASSWORD, prepare_instance, start_gunicorn, stop_gunicorn
from bench.wrk import header_args, read_summary, session_headers
from testing.accounts import login_session
from testing.records import overload_record, sync_body

_LUA = """
local lines, n, sent, made = {}, 0, 0, 0
local threads = %(threads)d
function setup(thread) thread:set("tid", made); made = made + 1 end
function init(args)
  for line in io.lines("%(file)s") do n = n + 1; lines[n] = line end
end
function request()
  local line = lines[(sent * threads + tid) %% n + 1]
  sent = sent + 1
  local tab = line:find("\\t", 1, true)
  return wrk.format("%(method)s", line:sub(1, tab - 1), nil, line:sub(tab + 1))
end
"""


def wrk(url: str, lines: list[str], method: str, headers: dict, connections: int, seconds: int,
        folder: Path) -> dict:
    """Run wrk over `lines` ("path\\tbody"); requests/s, p50 and p99 in ms, failures."""
    body_file = folder / f"bodies-{len(list(folder.iterdir()))}.txt"
    body_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    threads = 2
    script = folder / f"{body_file.stem}.lua"
    script.write_text(_LUA % {"threads": threads, "file": body_file, "method": method})
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency",
               "-s", str(script)] + header_args(headers) + [url]
    return read_summary(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


def _records(count: int) -> list[dict]:
    return [overload_record(plate=f"浙F{i % 100000:05d}") for i in range(count)]


def fieldcase(seconds: int, singles: int, batches: int, folder: Path, workers: int) -> dict:
    """FieldCase's two runs, each with what its workers noted of the SQLite writer's turn."""
    url, storage = prepare_instance()
    timings = folder / "writer-turns.txt"
    server = start_gunicorn(url, storage, folder / "gunicorn.log", workers=workers,
                            extra_env={"FIELDCASE_WRITER_LOCK_TIMINGS": str(timings)})
    try:
        s = login_session(server.url, "officer1", PASSWORD)
        headers = {"Content-Type": "application/json", **session_headers(s)}
        records = _records(singles)
        one = [f"/api/sync\t{json.dumps(sync_body(r), ensure_ascii=False)}" for r in records]
        fifty = [f"/api/sync\t{json.dumps(sync_body(*_records(50)), ensure_ascii=False)}" for _ in range(batches)]
        before, started = _turns(timings), time.monotonic()
        single = wrk(server.url + "/api/sync", one, "POST", headers, 16, seconds, folder)
        single["turns"], single["wall_s"] = _turns(timings)[len(before):], time.monotonic() - started
        before, started = _turns(timings), time.monotonic()
        batched = wrk(server.url + "/api/sync", fifty, "POST", headers, 4, seconds, folder)
        batched["turns"], batched["wall_s"] = _turns(timings)[len(before):], time.monotonic() - started
        stored = _stored_uuids(url)
        again = [line for line, record in zip(one, records, strict=True) if record["uuid"] in stored]
        before, started = _turns(timings), time.monotonic()
        resent = wrk(server.url + "/api/sync", again, "POST", headers, 16, seconds, folder)
        resent["turns"], resent["wall_s"] = _turns(timings)[len(before):], time.monotonic() - started
    finally:
        stop_gunicorn(server)
    return {"single": single, "batched": batched, "resent": resent}


def _stored_uuids(url: str) -> set[str]:
    """The UUIDs of the records the database holds, as the records spell them."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return {str(uuid.UUID(hex=str(value)))
                    for value in connection.execute(sa.text("SELECT uuid FROM inspections")).scalars()}
    finally:
        engine.dispose()


def _turns(path: Path) -> list[tuple[float, float, float]]:
    """The writer's turns noted so far (server/writer_lock.py): ms waited, held, CPU while held."""
    if not path.exists():
        return []
    return [tuple(float(x) for x in line.split()) for line in path.read_text().splitlines() if line]


_PLURAL = {"request": "requests", "batch": "batches", "resend": "resends"}


def turn_rows(run: dict, per: str) -> list[tuple]:
    """What the SQLite writer's turn cost during a run: held per request (wall and the holders'
    CPU), the share of wrk's run (start to end, as timed here) it was held, which bounds the rate
    near 100 %, and how many requests shared a turn (server/group_commit.py)."""
    turns = run.get("turns") or []
    if not turns:
        return []
    requests = run["requests"]  # as wrk counted them
    held, cpu = sum(t[1] for t in turns), sum(t[2] for t in turns)
    return [(f"  writer's turn held per {per} (its CPU)", f"{held / requests:.2f} ({cpu / requests:.2f})",
             "ms", "", "", ""),
            ("  writer's turn held, share of the run", f"{held / (run['wall_s'] * 10):.0f}", "%", "", "",
             "near 100: the turn sets the rate"),
            (f"  {_PLURAL[per]} per writer's turn (group commit)", f"{requests / len(turns):.2f}", "", "", "", "")]


def the_peer(seconds: int, singles: int, batches: int, folder: Path) -> dict:
    with peer.running_peer(folder) as url:
        import requests

        requests.put(url + "/bench", timeout=30).raise_for_status()
        headers = {"Content-Type": "application/json"}
        one = [f"/bench/{r['uuid']}\t{json.dumps(r, ensure_ascii=False)}" for r in _records(singles)]
        docs = [{"docs": [peer._document(r) for r in _records(50)]} for _ in range(batches)]
        fifty = [f"/bench/_bulk_docs\t{json.dumps(d, ensure_ascii=False)}" for d in docs]
        single = wrk(url + "/bench", one, "PUT", headers, 16, seconds, folder)
        batched = wrk(url + "/bench", fifty, "POST", headers, 4, seconds, folder)
    return {"single": single, "batched": batched}


def rows(ours: dict, theirs: dict | None) -> list[tuple]:
    def ratio(a, b):
        return f"{a / b:.2f}" if theirs else ""

    p = theirs or {"single": {}, "batched": {}}
    batched_ours, batched_theirs = ours["batched"]["per_s"] * 50, p["batched"].get("per_s", 0) * 50
    return [
        ("one record per request, 16 connections", f"{ours['single']['per_s']:,.0f}", "records/s",
         f"{p['single'].get('per_s', 0):,.0f}", ratio(ours["single"]["per_s"], p["single"].get("per_s", 1)),
         "target >= 1.0"),
        ("  that, p99", f"{ours['single']['p99_ms']:,.0f}", "ms", f"{p['single'].get('p99_ms', 0):,.0f}",
         ratio(ours["single"]["p99_ms"], p["single"].get("p99_ms", 1)), "target <= 100 ms"),
        *turn_rows(ours["single"], "request"),
        ("batches of 50, 4 connections", f"{batched_ours:,.0f}", "records/s", f"{batched_theirs:,.0f}",
         ratio(batched_ours, batched_theirs or 1), "target >= 1.0"),
        *turn_rows(ours["batched"], "batch"),
        ("one record per request sent again (a resend), 16 connections", f"{ours['resent']['per_s']:,.0f}",
         "records/s", "", "", "no target: each answered from the stored row"),
        ("  resends, p99", f"{ours['resent']['p99_ms']:,.0f}", "ms", "", "", ""),
        *turn_rows(ours["resent"], "resend"),
        ("  failed requests (FieldCase / peer)",
         f"{ours['single']['failures'] + ours['batched']['failures'] + ours['resent']['failures']}",
         "", f"{p['single'].get('failures', 0) + p['batched'].get('failures', 0)}", "", ""),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help="gunicorn workers")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: scripts/system-deps.sh bench installs it")
    folder = Path(tempfile.mkdtemp(prefix="fieldcase-wrk-"))
    singles, batches = 1500 * args.seconds, 40 * args.seconds
    try:
        ours = fieldcase(args.seconds, singles, batches, folder, args.workers)
        theirs = None if args.no_peer else the_peer(args.seconds, singles, batches, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    header = ("measure", "FieldCase", "unit", "peer (pouchdb-server, same run)", "FieldCase/peer", "target")
    table = [header] + rows(ours, theirs)
    widths = [max(len(str(r[i])) for r in table) for i in range(len(header))]
    for n, r in enumerate(table):
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) + " |")
        if n == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")


if __name__ == "__main__":
    main()
