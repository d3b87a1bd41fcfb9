"""Locust users for bench/load.py: each user is one officer at shift change, whose phone sends the
day's work as the PWA does (static/pwa/js/outbox.js, uploads.js), once, then stops.

    login → GET /api/me → POST /api/sync (the 20 records, one batch: the PWA sends up to 50)
    → for each missing file: tus POST /api/uploads, PATCH in 5 MiB chunks
    → GET /api/sync/status?uuid=… (is everything held?) → GET /api/inspections/<uuid>/evidence

Run by bench/load.py (`--users N --spawn-rate N --run-time <hard limit>`); the last officer to
finish ends the run. Every request's latency and every failure are written to `--timings` as JSON.
"""
from __future__ import annotations

import base64
import itertools
import json
import sys
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import gevent
from locust import HttpUser, constant, events, task
from locust.exception import StopUser

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import PASSWORD, officer_names  # noqa: E402
from bench.workday import Day, make_day  # noqa: E402
from testing.records import SHANGHAI  # noqa: E402

CHUNK_BYTES = 5 * 1024 * 1024  # uploads.js
TUS = {"Tus-Resumable": "1.0.0"}
TIMEOUT = (10, 120)  # seconds to connect, to wait for an answer

days: list[Day] = []
claimed = itertools.count()
timings: dict[str, list[float]] = defaultdict(list)
failures: dict[str, list[str]] = defaultdict(list)
spans: list[tuple[float, float, bool]] = []  # (start, end, whole day done) per officer


@events.init_command_line_parser.add_listener
def _options(parser):
    parser.add_argument("--timings", default="load-timings.json", help="where to write the results")


@events.test_start.add_listener
def _make_days(environment, **_):
    """Every officer's day, made before the first user starts (hashing is not what is measured)."""
    names = officer_names(environment.parsed_options.num_users)
    now = datetime.now(SHANGHAI)
    for n, name in enumerate(names):
        partner = names[n + 1] if n % 2 == 0 and n + 1 < len(names) else names[n - 1]
        days.append(make_day(name, partner, n, now))


@events.request.add_listener
def _record(name, response_time, exception, **_):
    timings[name].append(response_time)
    if exception is not None:
        failures[name].append(str(exception)[:300])


@events.quitting.add_listener
def _write(environment, **_):
    Path(environment.parsed_options.timings).write_text(json.dumps({
        "timings_ms": timings, "failures": failures, "spans": spans,
        "officers": len(days), "evidence_bytes": sum(d.evidence_bytes for d in days),
        "files": sum(len(fs) for d in days for fs in d.files.values()),
        "records": sum(len(d.records) for d in days)}))


class DayFailed(Exception):
    pass


class Officer(HttpUser):
    wait_time = constant(0)  # shift change: every phone sends as soon as it has a network

    @task
    def shift_change(self):
        day = days[next(claimed)]
        started, done = time.monotonic(), False
        try:
            self.send_day(day)
            done = True
        except DayFailed:
            pass  # already counted as a failed request; the check at the end finds what is missing
        finally:
            spans.append((started, time.monotonic(), done))
            if len(spans) == len(days):
                gevent.spawn(self.environment.runner.quit)
        raise StopUser()

    def call(self, method, url, name, expect, **kwargs):
        """One request; a status other than `expect` fails it (and the rest of the day)."""
        with self.client.request(method, url, name=name, catch_response=True, timeout=TIMEOUT,
                                 **kwargs) as response:
            if response.status_code != expect:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                raise DayFailed
            return response

    def send_day(self, day: Day):
        login = self.call("POST", "/api/session", "POST /api/session", 200,
                          json={"username": day.officer, "password": PASSWORD})
        self.client.headers["X-CSRF-Token"] = login.json()["csrf_token"]
        self.call("GET", "/api/me", "GET /api/me", 200)
        synced = self.call("POST", "/api/sync", "POST /api/sync", 200,
                           json={"device_time": datetime.now(SHANGHAI).isoformat(),
                                 "records": day.records})
        results = {r["uuid"]: r for r in synced.json()["results"]}
        for record in day.records:
            result = results.get(record["uuid"], {})
            if result.get("result") not in ("created", "duplicate"):
                self.fail_check("POST /api/sync", f"record not taken: {result}")
            missing = set(result.get("missing_evidence") or [])
            for file in day.files[record["uuid"]]:
                if file.uuid in missing:
                    self.upload(record["uuid"], file)
        held = self.call("GET", "/api/sync/status?" + "&".join(f"uuid={r['uuid']}" for r in day.records),
                         "GET /api/sync/status", 200).json()
        waiting = [h for h in held if h["status"] == "incomplete" or h["missing_evidence"]]
        if len(held) != len(day.records) or waiting:
            self.fail_check("GET /api/sync/status", f"{len(held)} held, {len(waiting)} incomplete")
        for record in day.records:
            listed = self.call("GET", f"/api/inspections/{record['uuid']}/evidence",
                               "GET /api/inspections/<uuid>/evidence", 200).json()["evidence"]
            received = [e for e in listed if e["status"] == "received"]
            if len(received) != len(listed) or len(listed) != len(day.files[record["uuid"]]):
                self.fail_check("GET /api/inspections/<uuid>/evidence", "evidence missing")

    def upload(self, record_uuid: str, file):
        """tus creation, then PATCHes of at most 5 MiB, as tus-js-client does."""
        meta = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in {
            "inspection_uuid": record_uuid, "evidence_uuid": file.uuid, "sha256": file.sha256,
            "filename": f"{file.uuid}.{file.media_type.split('/')[1]}", "filetype": file.media_type}.items())
        created = self.call("POST", "/api/uploads", "POST /api/uploads (create)", 201, headers={
            **TUS, "Upload-Length": str(file.size), "Upload-Metadata": meta})
        location, data, offset = created.headers["Location"], file.data(), 0
        while offset < len(data):
            answer = self.call("PATCH", location, f"PATCH /api/uploads/<id> ({file.kind})", 204,
                               data=data[offset:offset + CHUNK_BYTES], headers={
                                   **TUS, "Upload-Offset": str(offset),
                                   "Content-Type": "application/offset+octet-stream"})
            offset = int(answer.headers["Upload-Offset"])
        if answer.headers.get("X-Evidence-Status") != "received":
            self.fail_check(f"PATCH /api/uploads/<id> ({file.kind})", "last PATCH: not received")

    def fail_check(self, name: str, message: str):
        """A 2xx answer that says the work did not get through: counted as a failure of `name`."""
        failures[name].append(message)
        raise DayFailed
