"""The cluster under kills (issue 21 item 4): nginx round-robin (deploy/nginx/fieldcase.conf) in
front of the app servers while phones sync records and upload their photos with tus, and an
app server is SIGKILLed (master and workers: a lost machine) while a sync, then while an upload,
is in flight. The servers are frozen (SIGSTOP) first and the kill goes ahead only if the request
is still unanswered then, so a kill cannot miss by coming after the answer.

- On PostgreSQL: two gunicorns on one database, SeaweedFS as the evidence store, one staging
  folder for unfinished uploads. The killed server stays down until the phones have been
  answered through the other one, and until every upload that the kill cut has finished there.
- On SQLite: one gunicorn (one machine by nature) with the local store, restarted at once.

Afterwards: every acknowledged record is there exactly once, every confirmed file byte for byte
in the store, and `flask audit verify` passes. Nothing assumes that writes are serialised.
`make test` needs one cut sync and one cut upload; FIELDCASE_CHAOS_SCALE=5 five of each.
Run on PostgreSQL with scripts/with-postgres.sh.
"""
from __future__ import annotations

import hashlib
import random
import threading
import time

import pytest
import sqlalchemy as sa

from server.audit.models import AuditEntry
from server.evidence.models import EvidenceFile
from server.evidence.storage import get_stores
from server.extensions import db
from server.inspections.models import Inspection

from ..conftest import PG_URL
from ..nginx_front import start_nginx
from .conftest import scaled
from .processes import Gunicorn, RetryingPhone, wait_until
from .test_kills import Run, audit_verify, phone_work, photo_maker

pytestmark = pytest.mark.live

CUTS_PER_KIND = scaled(1)  # kills that cut a request of each kind (sync, upload)
ATTEMPTS_PER_CUT = 12  # a kill misses when the request it waits for is on the other server
PHONES = 3
DEADLINE_SECONDS = 900


@pytest.fixture
def evidence_store_config(request, evidence_store_config):
    """PostgreSQL: the servers share fresh SeaweedFS buckets; SQLite: the local store (or S3
    when FIELDCASE_TEST_EVIDENCE_STORE says so, as everywhere)."""
    if PG_URL:
        return request.getfixturevalue("seaweedfs").settings()
    return evidence_store_config


class ClusterPhone(RetryingPhone):
    """A RetryingPhone that says what it is doing: the request in flight (for the killer) and
    every request that needed asking again, with the file being uploaded and when."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.in_flight: str | None = None  # "sync" or "upload" while such a request waits
        self.evidence: str | None = None  # the file being uploaded
        self.cuts: list[tuple[str, str | None, float, str]] = []  # (kind, evidence UUID, when answered, method)
        self.creations: dict[str, int] = {}  # evidence UUID -> uploads created for it (POST answered)

    def request(self, method: str, path: str, **kwargs):
        kind = "sync" if path == "/api/sync" else "upload" if path.startswith("/api/uploads") else None
        before = self.unanswered
        self.in_flight = kind
        try:
            answer = super().request(method, path, **kwargs)
            if (method, path) == ("POST", "/api/uploads"):
                self.creations[self.evidence] = self.creations.get(self.evidence, 0) + 1
            return answer
        finally:
            self.in_flight = None
            if kind and self.unanswered > before:
                self.cuts.append((kind, self.evidence if kind == "upload" else None, time.monotonic(), method))

    def upload(self, inspection_uuid: str, evidence_uuid: str, data: bytes, chunk: int) -> str:
        self.evidence = evidence_uuid
        return super().upload(inspection_uuid, evidence_uuid, data, chunk)


class Killer:
    """Kills an app server while a request of the wanted kind is in flight, until enough kills
    cut one; keeps it down while the phones carry on through the other server (two servers)."""

    def __init__(self, run: Run, servers: list[Gunicorn], phones: list[ClusterPhone], rng: random.Random):
        self.run, self.servers, self.phones, self.rng = run, servers, phones, rng
        self.kills: list[dict] = []  # kind, victim, killed and restarted (monotonic), cuts it made

    def cuts(self, kind: str) -> list[tuple]:
        return [c for phone in self.phones for c in phone.cuts if c[0] == kind]

    def kill_once(self, kind: str) -> bool:
        """One kill aimed at a request of `kind`; whether it cut one."""
        run = self.run
        answers = run.answers
        wait_until(lambda: run.answers >= answers + 3 or run.stop.is_set(), 120,
                   "the phones were answered since the last kill", step=0.05)
        while True:  # until a request of `kind` is held by a server: frozen, not done
            wait_until(lambda: any(p.in_flight == kind for p in self.phones) or run.stop.is_set(), 120,
                       f"a {kind} request in flight", step=0.005)
            if run.stop.is_set():
                return False
            time.sleep(self.rng.uniform(0, 0.01))
            for server in self.servers:
                server.freeze()
            time.sleep(0.1)  # an answer that left before the freeze reaches its phone meanwhile
            if any(p.in_flight == kind for p in self.phones):
                break
            for server in self.servers:
                server.thaw()
        victim = self.rng.choice(self.servers)  # with two, it holds the request one time in two
        before = len(self.cuts(kind))
        killed = time.monotonic()
        victim.kill_master()
        for server in self.servers:
            if server is not victim:
                server.thaw()
        cut_files: set[str] = set()
        if len(self.servers) > 1:  # the phones go on through the survivor, the victim stays down
            answers = run.answers
            wait_until(lambda: run.answers >= answers + 6 or run.stop.is_set(), 120,
                       "the phones were answered through the other server", step=0.05)
            try:  # a cut request is answered (through the survivor) soon after the kill
                wait_until(lambda: len(self.cuts(kind)) > before, 10, "", step=0.05)
            except AssertionError:
                pass  # this kill missed: the request was on the other server, or done
            cut_files = {c[1] for c in self.cuts("upload") if c[2] >= killed and c[1]}
            wait_until(lambda: cut_files <= set(run.received) or run.stop.is_set(), 120,
                       "the cut uploads finished through the other server", step=0.05)
        restarted = time.monotonic()
        victim.start()
        if len(self.servers) == 1:  # the cut requests are answered once it is back
            answers = run.answers
            wait_until(lambda: run.answers >= answers + 3 or run.stop.is_set(), 120,
                       "the phones were answered after the restart", step=0.05)
        cut = len(self.cuts(kind)) > before
        self.kills.append({"kind": kind, "victim": victim.name, "killed": killed,
                           "restarted": restarted, "cut": cut, "cut_files": cut_files})
        return cut

    def __call__(self) -> None:
        try:
            for kind in ("sync", "upload"):
                hits = 0
                for _ in range(CUTS_PER_KIND * ATTEMPTS_PER_CUT):
                    hits += self.kill_once(kind)
                    if hits >= CUTS_PER_KIND or self.run.stop.is_set():
                        break
            print(f"killer done after {time.monotonic() - self.run.started:.1f} s")
        except BaseException as error:  # noqa: BLE001 - reported by the test
            self.run.failures.append(f"killer: {error!r}")
            self.run.failed.set()
        finally:
            self.run.stop.set()


def test_nothing_acknowledged_is_lost_when_an_app_server_of_the_cluster_is_killed(
        app, personas, database_url, storage_dir, tmp_path, chaos_rng, evidence_store_config):
    rng = chaos_rng
    two = db.engine.dialect.name == "postgresql"  # SQLite keeps one writer: one machine
    settings = {**evidence_store_config, "TRUSTED_PROXIES": 1, "EVIDENCE_LOCK_WAIT_SECONDS": 1,
                "EVIDENCE_STAGING_DIR": tmp_path / "staging"}  # the folder every server mounts
    db.session.remove()
    servers = [Gunicorn(database_url, storage_dir, tmp_path, workers=2, settings=settings, name=f"app{i}")
               for i in range(1, 3 if two else 2)]
    front = None
    run = Run()
    try:
        for server in servers:
            server.start()
        front = start_nginx([server.url for server in servers], tmp_path / "nginx")
        deadline = time.monotonic() + DEADLINE_SECONDS
        phones = [ClusterPhone(front.url, ("officer1", "officer2")[i % 2], deadline, run.answered,
                               run.failed.is_set) for i in range(PHONES)]
        for phone in phones:  # they trust nginx's certificate (REQUESTS_CA_BUNDLE would override it)
            phone.session.verify = str(front.certificate)
            phone.session.trust_env = False
        killer = Killer(run, servers, phones, random.Random(rng.random()))
        threads = [threading.Thread(target=phone_work, daemon=True, args=(
            run, phone, random.Random(rng.random()), photo_maker(random.Random(rng.random()))))
            for phone in phones]
        threads.append(threading.Thread(target=killer, daemon=True))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=max(1, deadline - time.monotonic()))
        assert not any(t.is_alive() for t in threads), "threads still running"
        assert not run.failures, f"{run.failures}"
        print(f"{len(killer.kills)} kills ({[k['kind'] + ('' if k['cut'] else ' missed') for k in killer.kills]}); "
              f"{len(run.acknowledged)} records, {len(run.received)} files; "
              f"cuts: {len(killer.cuts('sync'))} syncs, {len(killer.cuts('upload'))} upload requests")
        for kind in ("sync", "upload"):
            assert len(killer.cuts(kind)) >= CUTS_PER_KIND, f"no kill cut a {kind} request: proved nothing"
        if two:  # an upload cut by a kill finished while its server was down: through the other
            resumed = [e for k in killer.kills for e in k["cut_files"] if run.received_at.get(e, 1e18) < k["restarted"]]
            assert resumed, f"no cut upload resumed through the other server: {killer.kills}"
        # Resumed, never begun again: a file gets a second upload only when the answer to its
        # creation was cut (a kill after the commit). A partial upload the survivor could not see
        # (a staging folder of its own) would be created anew.
        for phone in phones:
            for evidence_uuid, created in phone.creations.items():
                cut_creations = sum(1 for c in phone.cuts if c[1] == evidence_uuid and c[3] == "POST")
                assert created <= 1 + cut_creations, f"{evidence_uuid}: upload begun {created} times"
        acknowledged = sorted(run.acknowledged)
        for first in range(0, len(acknowledged), 50):  # what the phones ask: nothing is missing
            held = phones[0].request("GET", "/api/sync/status", params={"uuid": acknowledged[first:first + 50]})
            assert held.status_code == 200, held.text
            assert all(not r["missing_evidence"] for r in held.json())
    finally:
        run.stop.set()
        run.failed.set()  # phones still asking give up
        if front:
            front.stop()
        for server in servers:
            server.stop()

    errors = [e for phone in phones for e in phone.server_errors]
    assert not errors, f"5xx answers from the app: {errors[:5]}"
    logs = "\n".join(server.log_text() for server in servers)
    assert "Traceback" not in logs, f"an error in a worker, see {tmp_path}"
    db.session.remove()
    inspections = dict(db.session.execute(sa.select(Inspection.uuid, Inspection.status)).all())
    assert {str(u) for u in inspections} == set(run.acknowledged)  # none lost, none made twice
    assert "incomplete" not in inspections.values()
    submitted = db.session.execute(sa.select(AuditEntry.object_id, sa.func.count())
                                   .where(AuditEntry.action == "inspection.submitted")
                                   .group_by(AuditEntry.object_id)).all()
    assert len(submitted) == len(run.acknowledged) and {n for _, n in submitted} == {1}
    assert set(run.received) == set(run.files)
    stored = {str(f.evidence_uuid): f.sha256 for f in db.session.execute(sa.select(EvidenceFile)).scalars()}
    assert stored == run.received
    originals = get_stores().originals
    for evidence_uuid, data in run.files.items():
        assert run.received[evidence_uuid] == hashlib.sha256(data).hexdigest()
        with originals.open(run.received[evidence_uuid]) as stream:
            assert stream.read() == data
    completed = db.session.execute(sa.select(AuditEntry.object_id, sa.func.count())
                                   .where(AuditEntry.action == "evidence.upload_completed")
                                   .group_by(AuditEntry.object_id)).all()
    assert {oid: n for oid, n in completed} == {e: 1 for e in run.files}
    db.session.remove()
    verified = audit_verify(database_url, storage_dir, evidence_store_config)
    assert verified.returncode == 0 and "audit verify: OK" in verified.stdout, verified.stdout + verified.stderr
