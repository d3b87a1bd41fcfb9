"""Issue 13, item 10: the shift-end upload of a day's evidence over a link that drops.

A day offline (eight overload inspections, ten files each: photos, signatures and a body-camera
clip), then online behind a cutting TCP proxy (tests/chaos/proxy.py) on a throttled uplink. The
link is cut mid-file and between files, down for seconds, the phone goes offline twice and the
app is reopened mid-round. Every
file reaches the server once: one tus upload per file, and the bytes the phone sends (counted at
the proxy) are at most the evidence's size plus the chunk in flight at each cut. What the officer
sees tells the truth: the badge and each record's count only fall, the round's count never
restarts, 从中断处继续 only when the file resumes, 全部上传完成 only when the server holds it all.
"""
from __future__ import annotations

import base64
import os
import re
import time
import uuid
from collections import Counter
from datetime import datetime

import pytest
import sqlalchemy as sa

from server.clock import utcnow
from server.evidence.models import EvidenceUpload
from server.extensions import db
from server.inspections.models import Evidence, Inspection

from ..chaos.proxy import CuttingProxy
from .conftest import GEO, Phone
from .overload import fill_overload, require_server_features, submit

RECORDS = 8
CLIP_BYTES = 3 * 1024 * 1024
UPLINK = 1536 * 1024  # bytes/s: a weak 4G uplink, so that cuts land inside files
CHUNK = 5 * 1024 * 1024  # uploads.js CHUNK_BYTES
OVERHEAD = 1024 * 1024  # request heads, the records' JSON, status questions


def clip(path, size=CLIP_BYTES):
    """An MP4 as the server sniffs it (ftyp box, then one mdat box of noise)."""
    ftyp = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
    path.write_bytes(ftyp + (size - len(ftyp)).to_bytes(4, "big") + b"mdat" + os.urandom(size - len(ftyp) - 8))
    return path


@pytest.fixture
def proxy(live_server):
    proxy = CuttingProxy(live_server.url, max_connections=64).start()
    yield proxy
    proxy.stop()


@pytest.fixture
def phone(browser, playwright_instance, proxy):
    """A Pixel 5 whose every request goes through the cutting proxy."""
    context = browser.new_context(
        **playwright_instance.devices["Pixel 5"], locale="zh-CN", timezone_id="Asia/Shanghai",
        permissions=["camera", "geolocation"], geolocation=GEO)
    phone = Phone(context, proxy.url)
    yield phone
    context.close()
    assert phone.errors == [], f"uncaught errors in the page: {phone.errors}"


# The one inspection filled by hand becomes the day's last; copies (new UUIDs, files with other
# bytes, hence other SHA-256s) are the earlier ones, 40 minutes apart, queued in that order.
CLONE = """async (copies) => {
  const { openStore } = await import('/js/db.js');
  const db = await openStore();
  const [entry] = await db.getAll('outbox');
  const blobs = await db.getAllFromIndex('blobs', 'inspection_uuid', entry.uuid);
  const hex = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');
  const shift = (iso, minutes) => new Date(Date.parse(iso) - minutes * 60000).toISOString();
  for (let i = 1; i <= copies; i++) {
    const uuid = crypto.randomUUID();
    let text = JSON.stringify(entry.record).replaceAll(entry.uuid, uuid);
    const made = [];
    for (const b of blobs) {
      const blob = new Blob([b.blob, crypto.getRandomValues(new Uint8Array(16))], { type: b.blob.type });
      const sha256 = hex(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
      const copy = { ...b, uuid: crypto.randomUUID(), inspection_uuid: uuid, blob, sha256, size: blob.size };
      text = text.replaceAll(b.uuid, copy.uuid);
      made.push(copy);
    }
    const record = JSON.parse(text);
    for (const e of record.evidence) {
      const { sha256, size } = made.find((m) => m.uuid === e.uuid);
      Object.assign(e, { sha256, size });
    }
    record.started_at = shift(record.started_at, 40 * i);
    record.finished_at = shift(record.finished_at, 40 * i);
    for (const m of made) await db.put('blobs', m);
    await db.put('outbox', { ...entry, uuid, record, queued_at: shift(entry.queued_at, 40 * i) });
  }
  db.close();
  return true;
}"""

# What the officer sees on the outbox screen.
SCREEN = """() => {
  const text = (sel) => document.querySelector(sel)?.hidden === false ? document.querySelector(sel).textContent : null;
  return {
    badge: Number(document.getElementById('outbox-count').dataset.count),
    status: document.querySelector('[data-role=sync-status]')?.dataset.status,
    message: document.querySelector('[data-role=sync-status]')?.textContent,
    round: text('[data-role=upload-round]'),
    file: text('[data-role=upload-file]'),
    done: text('[data-role=all-uploaded]'),
    records: Object.fromEntries([...document.querySelectorAll('li[data-missing]')]
      .map((li) => [li.dataset.uuid, Number(li.dataset.missing)])),
  };
}"""


def round_of(screen) -> tuple[int, int]:
    """(files uploaded, files in the round) as the outbox screen says."""
    match = re.search(r"已上传 (\d+) / (\d+) 个文件", screen["round"] or "")
    assert match, screen
    return int(match[1]), int(match[2])


def upstream_bytes(proxy) -> int:
    """What the phone has sent through the proxy so far (every connection's bytes upstream)."""
    return sum(cut.sent_up for cut in proxy.history)


def _abandoned(cuts: list[tuple], cut_at: list[datetime]) -> str:
    """The uploads never completed, each with the cut it came after (what an extra one is)."""
    rows = db.session.execute(sa.select(EvidenceUpload.filename, EvidenceUpload.status, EvidenceUpload.failure,
                                        EvidenceUpload.created_at)
                              .where(EvidenceUpload.status != "completed")
                              .order_by(EvidenceUpload.created_at)).all()
    lines = []
    for filename, status, failure, created in rows:
        before = [(what, at) for (what, _), at in zip(cuts, cut_at, strict=True) if at <= created]
        when = "before any cut"
        if before:
            when = f"{(created - before[-1][1]).total_seconds():.2f} s after {before[-1][0]!r}"
        lines.append(f"{filename} {status} {failure or ''}: created {when}")
    return "uploads never completed: " + "; ".join(lines)


def test_a_dropped_link_never_sends_a_received_file_again(phone, proxy, live_server, tmp_path):
    require_server_features(live_server, uploads=True)
    page = phone.page
    phone.login("officer1")
    phone.wait_until("async () => (await import('/js/db.js').then((m) => m.openStore())).getKey('forms', 'overload/1')")

    # The day, offline: one inspection filled on the phone, seven more like it.
    phone.context.set_offline(True)
    fill_overload(phone, tmp_path, subject="浙F20260", video=clip(tmp_path / "执法记录仪.mp4"))
    submit(phone)
    assert page.evaluate(CLONE, RECORDS - 1)
    blobs = phone.idb("blobs")
    sizes = {b["uuid"]: b["size"] for b in blobs}
    evidence_bytes = sum(sizes.values())
    assert len(sizes) == RECORDS * 10 and evidence_bytes > RECORDS * CLIP_BYTES
    page.evaluate("location.hash = '#/outbox'")
    page.wait_for_selector(".outbox")

    cdp = phone.context.new_cdp_session(page)
    cdp.send("Network.enable")

    def go_online():
        phone.context.set_offline(False)  # Playwright's own emulation: it lifts any throttling
        cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 30, "downloadThroughput": -1,
                                                       "uploadThroughput": UPLINK})

    net = Traffic(page)
    sent_before = upstream_bytes(proxy)
    go_online()  # back at the station: the outbox drains by itself

    seen, cuts = [], []  # every look at the screen; (what, the most a cut may cost) per cut
    cut_at: list[datetime] = []  # when each cut came (the server's clock: UTC)

    def wait(predicate, timeout, what):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            seen.append({**page.evaluate(SCREEN), "t": time.monotonic()})
            if predicate(seen[-1]):
                return seen[-1]
            page.wait_for_timeout(100)
        labels = [(s["round"], s["file"]) for s in seen if s["file"]]
        trail = [x for i, x in enumerate(labels) if i == 0 or x[1].split("：")[0] != labels[i - 1][1].split("：")[0]]
        patches = [(round(t, 1), net.names.get(url), url[-6:], offset)
                   for t, m, url, offset in net.log if m == "PATCH"][-40:]
        raise AssertionError(f"{what}: not seen in {timeout} s; last screen {seen[-1]}; files seen {trail[-12:]}; "
                             f"PATCHes {patches}; now {time.monotonic():.1f}")

    def clip_under_way(received: int):
        """A clip mid-way, once `received` files are known received (answers seen, or the screen's count)."""
        return lambda s: max(net.received, round_of(s)[0] if s["round"] else 0) >= received and net.clip_in_flight(0.8)

    # 1. Mid-file, in the second inspection's clip: the link goes down for 6 s. The retries
    # (0, 1, 3, 10 s) outlast it: the same pass goes on, from where the server stopped.
    wait(clip_under_way(10), 90, "the second clip under way")
    proxy.down = True
    proxy.sever()
    cuts.append(("mid-file, link down 6 s", CLIP_BYTES))
    cut_at.append(utcnow())
    first_cut = len(seen)
    until = time.monotonic() + 6
    wait(lambda _: time.monotonic() > until, 10, "6 s")
    proxy.down = False
    wait(lambda _: net.received >= 21, 90, "the third inspection's files arriving")
    pass_survived = all(s["status"] == "syncing" for s in seen[first_cut:])

    # 2. Between files: the moment a file's receipt arrives, every connection is cut.
    armed = net.received
    wait(lambda _: net.received > armed, 60, "a file received")
    proxy.sever()
    cuts.append(("between files", CLIP_BYTES))  # the next file may have started
    cut_at.append(utcnow())

    # 3. Mid-file, in a late clip: the phone goes offline (the pass stops) for 3 s.
    wait(clip_under_way(60), 120, "a late clip under way")
    phone.context.set_offline(True)
    proxy.sever()
    cuts.append(("mid-file, offline 3 s", CLIP_BYTES))
    cut_at.append(utcnow())
    stopped = wait(lambda s: s["status"] == "offline", 20, "the pass stopped")
    phone.screenshot("25-upload-interrupted", full_page=False)
    page.wait_for_timeout(3000)
    go_online()

    # 4. Between files again, offline for 3 s: the next pass goes on with the files left.
    armed = net.received
    wait(lambda _: net.received > armed, 60, "a file received")
    phone.context.set_offline(True)
    proxy.sever()
    cuts.append(("between files, offline 3 s", CLIP_BYTES))
    cut_at.append(utcnow())
    wait(lambda s: s["status"] == "offline", 20, "the pass stopped")
    page.wait_for_timeout(3000)
    go_online()

    # 5. In the last inspection, the app is closed and opened again: the count goes on from where
    # it was (whatever file was in flight goes on from the server's offset).
    before_reload = wait(lambda s: s["round"] is not None and round_of(s)[0] >= 72, 120,
                         "the last inspection under way")
    page.reload()
    page.wait_for_selector(".outbox")
    cuts.append(("app reopened", CLIP_BYTES))
    cut_at.append(utcnow())
    reopened = wait(lambda s: s["round"] is not None or s["done"] is not None, 20, "the round shown again")
    assert reopened["done"] or round_of(reopened)[0] >= round_of(before_reload)[0], (before_reload, reopened)

    finished = wait(lambda s: s["done"] is not None, 240, "全部上传完成")
    sent = upstream_bytes(proxy) - sent_before
    assert phone.wait_until("""async () => (await (await import('/js/db.js')).openStore()).getAll('sent')
        .then((sent) => sent.length === %d && sent.every((s) =>
          !(s.server.missing_evidence || []).length && s.server.status === 'complete'))""" % RECORDS)
    phone.screenshot("26-upload-done", full_page=False)

    # Nothing sent twice: no more bytes than the files plus a chunk per cut, one completed
    # upload per file (an upload whose creation answer was cut holds no bytes).
    allowed = evidence_bytes + sum(min(size, CHUNK) for _, size in cuts) + OVERHEAD
    print(f"evidence {evidence_bytes} B, sent {sent} B ({sent / evidence_bytes:.2f}x), allowed {allowed} B")
    assert sent <= allowed, f"sent {sent} bytes for {evidence_bytes} bytes of evidence ({sent / evidence_bytes:.2f}x)"
    db.session.remove()
    uploads = db.session.execute(sa.select(EvidenceUpload.evidence_uuid, EvidenceUpload.status)).all()
    completed = Counter(uuid for uuid, status in uploads if status == "completed")
    assert set(completed) == {uuid.UUID(u) for u in sizes} and set(completed.values()) == {1}, completed
    assert len(uploads) - len(completed) <= len(cuts), _abandoned(cuts, cut_at)
    received = db.session.execute(sa.select(sa.func.count()).select_from(Evidence)
                                  .where(Evidence.received_at.is_not(None))).scalar()
    assert received == len(sizes)
    spans = {}  # per inspection, in inspection order: when its first and last files arrived
    for started, arrived in db.session.execute(sa.select(Inspection.started_at, Evidence.received_at)
                                               .join(Evidence, Evidence.inspection_uuid == Inspection.uuid)):
        first, last = spans.get(started, (arrived, arrived))
        spans[started] = (min(first, arrived), max(last, arrived))
    ordered = [spans[started] for started in sorted(spans)]
    assert len(ordered) == RECORDS and all(a[1] < b[0] for a, b in zip(ordered, ordered[1:], strict=False)), \
        "the inspections' files did not arrive record by record, in inspection order"
    assert pass_survived, "a 6 s drop stopped the pass (retries gave up before 30 s)"

    # What the officer saw was true all along.
    assert "从中断处继续" in stopped["message"] and "执法记录仪.mp4" in stopped["message"], stopped
    assert any("执法记录仪.mp4" in (s["file"] or "") and "从中断处" in s["file"] for s in seen[seen.index(stopped):])
    said = {}  # 从中断处 is said of a file that the next pass resumed (HEAD, then PATCH from there)
    for s in seen:
        if "从中断处继续" in (s["message"] or "") and s["message"] not in said:
            said[s["message"]] = s["t"]
    for message, at in said.items():
        name = re.search(r"「(.+?)」已传", message)[1]
        asked = [url for t, method, url, _ in net.log if t > at and method == "HEAD" and net.names.get(url) == name]
        assert any(t > at and method == "PATCH" and url in asked and offset > 0
                   for t, method, url, offset in net.log), message
    rounds = [round_of(s) for s in seen if s["round"]]
    assert {total for _, total in rounds} == {len(sizes)}, "the round's total changed"
    done = [done for done, _ in rounds]
    assert done == sorted(done) and done[0] < 10 and done[-1] >= 72, f"the round's count went back: {done}"
    badges = [s["badge"] for s in seen]
    peak = badges.index(max(badges))
    # The header's badge counts one thing, 待同步记录: inspections not yet wholly on the server. It
    # starts at every inspection of the day and falls as each one's last file arrives.
    assert max(badges) == RECORDS and badges[peak:] == sorted(badges[peak:], reverse=True), badges
    for record in {record_uuid for s in seen for record_uuid in s["records"]}:
        left = [s["records"].get(record, 0) for s in seen[peak:] if s["records"]]
        assert left == sorted(left, reverse=True), f"record {record}: {left}"
    assert finished["badge"] == 0 and "全部上传完成" in finished["done"]


class Traffic:
    """The page's tus traffic: which upload is which file, PATCHes in flight, receipts."""

    def __init__(self, page):
        self.names, self.in_flight, self.received = {}, {}, 0
        self.log = []  # (time, HEAD or PATCH, upload URL, Upload-Offset sent)
        page.on("request", self.request)
        page.on("response", self.response)
        page.on("requestfailed", lambda r: self.in_flight.pop(r.url, None))

    def request(self, r):
        if r.method in ("HEAD", "PATCH") and "/api/uploads/" in r.url:
            self.log.append((time.monotonic(), r.method, r.url, int(r.headers.get("upload-offset") or 0)))
        if r.method == "PATCH" and "/api/uploads/" in r.url:
            self.in_flight[r.url] = time.monotonic()

    def response(self, r):
        if r.request.method == "POST" and r.url.endswith("/api/uploads") and r.status == 201:
            meta = dict(pair.split(" ") for pair in r.request.headers["upload-metadata"].split(","))
            self.names[r.headers["location"]] = base64.b64decode(meta["filename"]).decode()
        if r.request.method == "PATCH":
            self.in_flight.pop(r.url, None)
            self.received += r.headers.get("x-evidence-status") == "received"

    def clip_in_flight(self, seconds: float) -> bool:
        """Whether a PATCH of a clip has been under way for `seconds` (mid-file on this uplink)."""
        now = time.monotonic()
        return any(self.names.get(url, "").endswith(".mp4") and now - started >= seconds
                   for url, started in self.in_flight.items())
