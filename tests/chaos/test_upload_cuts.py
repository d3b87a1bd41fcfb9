"""tus uploads of multi-MB files over a link that breaks: creations, PATCHes and HEADs cut in
the request's head, mid-body, or in the answer (after the server wrote), each resumed as a tus
client does (HEAD for Upload-Offset, then PATCH from there). Every file ends stored once, whole,
with its SHA-256; while a file is incomplete nothing of it is visible as evidence."""
from __future__ import annotations

import base64
import fcntl
import hashlib
import math
import time
from collections import Counter
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from server.audit.models import AuditEntry
from server.evidence.models import EvidenceFile, EvidenceUpload
from server.extensions import db
from server.inspections.models import Inspection

from ..evidence.conftest import TUS, metadata_header
from .conftest import scaled

pytestmark = pytest.mark.live

MiB = 1024 * 1024
PATCH_HEADERS = {**TUS, "Content-Type": "application/offset+octet-stream"}
MAX_REQUESTS_PER_FILE = 400
CUT_CHANCE = {"PATCH": 0.9, "HEAD": 0.25, "POST": 0.5}  # while a file's share of cuts lasts
FILES = 8  # files the cuts are shared among (more are uploaded if shares are left over)


def video(rng, size: int) -> bytes:
    """`size` bytes that sniff as an MP4 (an ftyp box, then noise)."""
    return b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isommp41" + rng.randbytes(size - 24)


def store_files(storage_dir):
    root = storage_dir / "evidence"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def read_partial(path) -> bytes:
    """An upload's bytes, read under a shared flock: not while a late cut request writes them or
    cuts a discarded chunk back (a read racing a truncate can see zeros)."""
    with open(path, "rb") as f:
        deadline = time.monotonic() + 30
        while True:
            try:
                fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                assert time.monotonic() < deadline, "the upload stayed locked"
                time.sleep(0.02)
        return f.read()


class Uploader:
    """A tus client on a bad link: each request may be cut (while the test wants cuts); after
    a cut or a 409/423 it asks HEAD where the server is and goes on from there."""

    def __init__(self, phone, rng, record, listed, storage_dir, cut_chance: dict[str, float]):
        self.phone, self.rng, self.record, self.listed = phone, rng, record, listed
        self.storage_dir, self.cut_chance = storage_dir, cut_chance
        self.struck: list[tuple[str, str]] = []  # (method, kind) of each cut that struck
        self.lost_creations = 0  # uploads created whose Location never arrived
        self.forced_kind: str | None = None  # the next request is cut so (else: at random)

    def send(self, method, path, kinds, share: int, body: bytes = b"", headers=None):
        cut = kind = None
        if self.forced_kind and share > len(self.struck):
            kind, self.forced_kind = self.forced_kind, None
            cut = self.phone.cut_point(self.rng, kind, method, path, body, headers)
        elif share > len(self.struck) and self.rng.random() < self.cut_chance[method]:
            kind = self.rng.choice(kinds)
            cut = self.phone.cut_point(self.rng, kind, method, path, body, headers)
        answer = self.phone.send(method, path, data=body, headers=headers, cut=cut,
                                 reset=self.rng.random() < 0.5)
        if self.phone.struck:
            self.struck.append((method, kind))
        return answer, kind if self.phone.struck else None

    def run(self, share: int, first_cut: str | None = None) -> None:
        """Upload the file whole; `share` of its requests are cut (fewer if it completes first),
        the first one as `first_cut` says when given."""
        self.forced_kind = first_cut
        data, path, offset = self.listed.data, None, None
        for _ in range(MAX_REQUESTS_PER_FILE):
            if path is None:
                answer, kind = self.send("POST", "/api/uploads", ("request_head", "answer"), share,
                                         headers={**TUS, "Upload-Length": str(len(data)),
                                                  "Upload-Metadata": self.metadata()})
                if answer is None:
                    self.lost_creations += kind == "answer"
                    continue
                assert answer.status_code == 201, answer.text
                path, offset = urlsplit(answer.headers["Location"]).path, 0
            elif offset is None:
                answer, _ = self.send("HEAD", path, ("request_head", "answer"), share, headers=TUS)
                if answer is None:
                    continue
                if answer.status_code == 423:  # the cut request still holds the upload
                    time.sleep(0.05)
                    continue
                assert answer.status_code == 200, answer.status_code
                offset = int(answer.headers["Upload-Offset"])
                if offset == len(data):  # the last PATCH completed it; its answer was lost
                    return
                self.check_invisible(path.rsplit("/", 1)[1])
            else:
                size = self.rng.choice((MiB // 4, MiB // 2, MiB, len(data)))  # tus-js-client: whole
                chunk = data[offset:offset + size]
                headers = {**PATCH_HEADERS, "Upload-Offset": str(offset)}
                if self.rng.random() < 0.3:  # as tuspy does: a cut chunk is then discarded whole
                    headers["Upload-Checksum"] = "sha256 " + base64.b64encode(
                        hashlib.sha256(chunk).digest()).decode()
                answer, _ = self.send("PATCH", path, ("request_head", "request_body", "answer"), share,
                                      body=chunk, headers=headers)
                if answer is None or answer.status_code in (409, 423):  # 409: a cut request wrote late
                    offset = None
                    continue
                assert answer.status_code == 204, answer.text
                offset = int(answer.headers["Upload-Offset"])
                if offset == len(data):
                    assert answer.headers["X-Evidence-Status"] == "received"
                    assert answer.headers["X-Evidence-SHA256"] == self.listed.sha256
                    return
        raise AssertionError(f"upload of {len(data)} bytes not finished in {MAX_REQUESTS_PER_FILE} requests")

    def metadata(self) -> str:
        return metadata_header(inspection_uuid=str(self.record.uuid), evidence_uuid=str(self.listed.uuid),
                               sha256=self.listed.sha256, filename="bodycam.mp4")

    def check_invisible(self, upload_id: str) -> None:
        """An incomplete file is nowhere: not received, no original to download, not stored.
        What the server holds of it is a prefix of the file (a late cut request may add to it)."""
        assert self.listed.sha256 not in {p.name for p in store_files(self.storage_dir)}
        held = read_partial(self.storage_dir / "uploads" / f"{upload_id}.part")
        assert len(held) < len(self.listed.data) and held == self.listed.data[:len(held)]
        shown = self.phone.send("GET", f"/api/evidence/{self.listed.uuid}").json()
        assert (shown["status"], shown["file"], shown["links"]["original"]) == ("missing", None, None)
        if self.rng.random() > 0.25:  # the other views, at every fourth check
            return
        original = self.phone.send("GET", f"/api/evidence/{self.listed.uuid}/original")
        assert original.status_code == 404 and original.json()["code"] == "evidence.not_received"
        listing = self.phone.send("GET", f"/api/inspections/{self.record.uuid}/evidence").json()
        assert {e["uuid"]: e["status"] for e in listing["evidence"]}[str(self.listed.uuid)] == "missing"
        assert self.phone.send("GET", f"/api/inspections/{self.record.uuid}").json()["status"] == "incomplete"


def count(query) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar()


def test_uploads_cut_at_random_points_complete_once_with_their_hash(
        phone_as, chaos_rng, create_live_inspection, storage_dir, runner):
    rng = chaos_rng
    phone = phone_as("officer1")
    cuts_wanted = scaled(200)
    struck, lost_creations, records = [], 0, []
    files = scaled(FILES)  # the cuts are shared among them
    while len(struck) < cuts_wanted:  # inspections of two 3-5 MB files until enough cuts struck
        record = create_live_inspection(*[(video(rng, rng.randint(3 * MiB, 5 * MiB)), "video/mp4")
                                          for _ in range(2)])
        records.append(record)
        for listed in record.evidence:
            uploader = Uploader(phone, rng, record, listed, storage_dir, cut_chance=CUT_CHANCE)
            started = sum(len(r.evidence) for r in records[:-1]) + record.evidence.index(listed)
            share = math.ceil((cuts_wanted - len(struck)) / max(1, files - started))
            # The first creation's answer is lost: the phone creates another upload.
            uploader.run(share, first_cut=None if struck else "answer")
            struck += uploader.struck
            lost_creations += uploader.lost_creations
            shown = phone.send("GET", f"/api/evidence/{listed.uuid}").json()
            assert shown["status"] == "received" and shown["file"]["sha256"] == listed.sha256
    kinds = Counter(struck)
    print(f"{len(struck)} cuts over {2 * len(records)} files: {dict(kinds)}; "
          f"{lost_creations} creations lost")
    assert len(struck) == cuts_wanted
    assert ("POST", "answer") in kinds and lost_creations >= 1
    if cuts_wanted >= 50:  # every kind of cut of a PATCH struck somewhere, and HEADs were cut
        assert set(kinds) >= {("PATCH", "request_head"), ("PATCH", "request_body"), ("PATCH", "answer"),
                         ("HEAD", "answer")}, kinds

    # Each file whole, once, with its hash: through the API, in the store and in the database.
    listed_all = [listed for record in records for listed in record.evidence]
    for listed in listed_all:
        original = phone.send("GET", f"/api/evidence/{listed.uuid}/original")
        assert original.status_code == 200 and hashlib.sha256(original.content).hexdigest() == listed.sha256
    stored = store_files(storage_dir)
    assert sorted(p.name for p in stored) == sorted(listed.sha256 for listed in listed_all)
    for path in stored:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == path.name
    db.session.expire_all()
    files = db.session.execute(sa.select(EvidenceFile.evidence_uuid, EvidenceFile.sha256)).all()
    assert sorted(files) == sorted((listed.uuid, listed.sha256) for listed in listed_all)
    for action in ("evidence.upload_completed", "evidence.received"):
        assert count(sa.select(AuditEntry.seq).where(AuditEntry.action == action)) == len(listed_all)
    statuses = dict(db.session.execute(sa.select(EvidenceUpload.status, sa.func.count())
                                       .group_by(EvidenceUpload.status)).all())
    # An upload whose creation answer was lost stays open and empty, for `evidence cleanup`.
    assert statuses == {"completed": len(listed_all), **({"open": lost_creations} if lost_creations else {})}
    leftovers = list((storage_dir / "uploads").iterdir())
    assert len(leftovers) == lost_creations and all(p.stat().st_size == 0 for p in leftovers)
    assert set(db.session.execute(sa.select(Inspection.status)).scalars()) == {"complete"}
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0 and "audit verify: OK" in verified.output, verified.output
