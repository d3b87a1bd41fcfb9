"""Photo ingest measured from outside with wrk (C): 12-megapixel phone JPEGs with EXIF sent over
tus by 1 and 4 clients, each a creation (POST) then the whole file in one PATCH, as the PWA does
for a photo (--with-creation: the whole file in the POST, tus creation-with-upload); the
thumbnail's time beside the raw Pillow draft() decode of the same photos in the same run;
gunicorn workers' memory after the uploads and a handful of hostile files.

    .venv/bin/python -m bench.photos                 # 200 photos with 1 client, 1000 with 4
    .venv/bin/python -m bench.photos --photos 100    # fewer (both runs)

Rates come from the server's own clock: the first upload's creation to the last one received
(`evidence_uploads`), and to the last thumbnail written (the derived store's files), so wrk's
own start and stop cost nothing. Issue 19's targets: >= 40 photos/s with 4 clients, with EXIF
facts and thumbnail; a thumbnail in <= 40 ms; worker RSS < 200 MB after 1,000 photo uploads.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.harness import (
    DEFAULT_WORKERS,
    PASSWORD,
    list_evidence,
    percentile,
    prepare_instance,
    start_gunicorn,
    stop_gunicorn,
)
from bench.wrk import header_args, session_headers
from testing.accounts import login_session
from testing.media import exif_head, png_bomb, scene_jpeg
from testing.tus import metadata_header

PER_INSPECTION = 20  # photos a record lists (a day's inspection: bench/workday.py)
RSS_LIMIT_MB = 200

_LUA = """
local threads, head_size, n, one_request = %(threads)d, %(head_size)d, 0, %(one_request)s
local metas, tail, heads = {}, nil, nil
local state, k, location = "post", 0, nil
received, failures = 0, 0  -- globals: done() reads them with thread:get
local made, all = 0, {}
function setup(thread) thread:set("tid", made); made = made + 1; table.insert(all, thread) end
function init(args)
  local f = io.open("%(tail)s", "rb"); tail = f:read("*a"); f:close()
  heads = io.open("%(heads)s", "rb")
  for line in io.lines("%(metas)s") do n = n + 1; metas[n] = line end
end
local function index() return k * threads + tid end
local function with_session(h)  -- wrk.format sends only the table given: add -H's cookie and token
  for name, value in pairs(wrk.headers) do h[name] = value end
  return h
end
function request()
  local i = index()
  if i >= n then
    wrk.thread:stop()
    return wrk.format("GET", "/healthz")
  end
  local length, meta = metas[i + 1]:match("^(%%d+)\\t(.*)$")
  if state == "post" and one_request then  -- tus creation-with-upload, as the PWA sends a photo
    heads:seek("set", i * head_size)
    return wrk.format("POST", "/api/uploads", with_session({["Tus-Resumable"] = "1.0.0",
                      ["Upload-Length"] = length, ["Upload-Metadata"] = meta,
                      ["Content-Type"] = "application/offset+octet-stream"}), heads:read(head_size) .. tail)
  end
  if state == "post" then
    return wrk.format("POST", "/api/uploads", with_session({["Tus-Resumable"] = "1.0.0",
                      ["Upload-Length"] = length, ["Upload-Metadata"] = meta}))
  end
  heads:seek("set", i * head_size)
  return wrk.format("PATCH", location, with_session({["Tus-Resumable"] = "1.0.0", ["Upload-Offset"] = "0",
                    ["Content-Type"] = "application/offset+octet-stream"}), heads:read(head_size) .. tail)
end
function response(status, headers, body)
  if index() >= n then return end
  local evidence = headers["X-Evidence-Status"] or headers["x-evidence-status"]
  if state == "post" and one_request then
    if status == 201 and evidence == "received" then received = received + 1 else failures = failures + 1 end
  elseif state == "post" then
    local at = headers["Location"] or headers["location"]
    if status == 201 and at then
      location = at:match("^https?://[^/]+(/.*)$") or at
      state = "patch"
      return
    end
    failures = failures + 1
  elseif status == 204 and evidence == "received" then
    received = received + 1
  else
    failures = failures + 1
  end
  state, k = "post", k + 1
end
function done(summary, latency, requests)
  local r, f = 0, 0
  for _, t in ipairs(all) do r = r + t:get("received"); f = f + t:get("failures") end
  io.write(string.format("PHOTOS received=%%d failures=%%d\\n", r, f))
end
"""


@dataclass
class PhotoSet:
    """`count` photos as wrk sends them: heads (one file, fixed size each) + the shared scene."""

    count: int
    heads: Path
    tail: Path
    head_size: int
    sha256s: list[str]
    size: int

    def photo(self, n: int) -> bytes:
        with open(self.heads, "rb") as f:
            f.seek(n * self.head_size)
            return f.read(self.head_size) + self.tail.read_bytes()


def photo_set(folder: Path, count: int, first: int) -> PhotoSet:
    """Photos number `first` … `first + count - 1`, written to `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    tail = scene_jpeg()[2:]
    (folder / "tail.bin").write_bytes(tail)
    taken = datetime(2026, 11, 30, 9, 0)
    heads = [exif_head(n, taken + timedelta(seconds=n)) for n in range(first, first + count)]
    assert len({len(h) for h in heads}) == 1, "EXIF heads differ in length"
    (folder / "heads.bin").write_bytes(b"".join(heads))
    sha256s = []
    for head in heads:
        digest = hashlib.sha256(head)
        digest.update(tail)
        sha256s.append(digest.hexdigest())
    return PhotoSet(count, folder / "heads.bin", folder / "tail.bin", len(heads[0]), sha256s,
                    len(heads[0]) + len(tail))


def list_photos(database_url: str, photos: PhotoSet) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Inspections by officer1 and officer2 listing the photos, PER_INSPECTION each; returns
    (inspection, evidence) UUIDs in photo order."""
    from server import create_app
    from server.accounts.models import User
    from server.extensions import db
    from testing import FAST_HASHING

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, **FAST_HASHING})
    pairs = []
    with app.app_context():
        officers = [db.session.execute(db.select(User).filter_by(username=name)).scalar_one()
                    for name in ("officer1", "officer2")]
        for start in range(0, photos.count, PER_INSPECTION):
            shas = photos.sha256s[start:start + PER_INSPECTION]
            record, evidence = list_evidence(officers, [(sha, photos.size, "image/jpeg") for sha in shas],
                                             "scene_photos")
            pairs += [(record, evidence_uuid) for evidence_uuid in evidence]
        db.session.commit()
        db.engine.dispose()
    return pairs


def _received(database: Path) -> tuple[int, float | None, float | None]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        count, first, last = conn.execute(
            "SELECT count(*), min(created_at), max(completed_at) FROM evidence_uploads "
            "WHERE status = 'completed'").fetchone()
    return count, _epoch(first), _epoch(last)


def _epoch(text) -> float | None:
    if not text:
        return None
    moment = datetime.fromisoformat(str(text))
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()


def _thumbnails(storage: Path) -> list[Path]:
    return list((storage / "derived").glob("??/??/*.thumbnail.jpg"))


def worker_rss_mb(master: int) -> dict[int, float]:
    """VmRSS of each gunicorn worker (the master's children), and of their decoding children."""
    rss = {}
    for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split():
        rss[int(pid)] = _rss(int(pid))
    return rss


def decoder_rss_mb(master: int) -> list[float]:
    """VmRSS of the workers' decoding children (whichever thread of a worker started them)."""
    workers = set(Path(f"/proc/{master}/task/{master}/children").read_text().split())
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:  # gone meanwhile
            continue
        parent = next((line.split()[1] for line in text.splitlines() if line.startswith("PPid:")), None)
        if parent in workers:
            found.append(_rss(int(status.parent.name)))
    return found


def _rss(pid: int) -> float:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:  # the process is gone
        return 0.0
    for line in lines:
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def ingest(photos: PhotoSet, clients: int, folder: Path, workers: int, hostile: bool = False,
           root: Path | None = None, one_request: bool = False) -> dict:
    """Send every photo of `photos` with wrk from `clients` connections through a fresh FieldCase;
    photos/s received and with thumbnails, failures, and the workers' memory afterwards."""
    url, storage = prepare_instance()
    pairs = list_photos(url, photos)
    metas = folder / f"metas-{clients}.txt"
    metas.write_text("".join(
        f"{photos.size}\t" + metadata_header(inspection_uuid=str(record), evidence_uuid=str(evidence),
                                              sha256=sha, filename=f"IMG_{n:05d}.jpg") + "\n"
        for n, ((record, evidence), sha) in enumerate(zip(pairs, photos.sha256s, strict=True))))
    script = folder / f"tus-{clients}.lua"
    script.write_text(_LUA % {"threads": clients, "head_size": photos.head_size, "tail": photos.tail,
                              "one_request": "true" if one_request else "false",
                              "heads": photos.heads, "metas": metas})
    server = start_gunicorn(url, storage, folder / f"gunicorn-{clients}.log", workers=workers,
                            **({"root": root} if root else {}))
    try:
        session = login_session(server.url, "officer1", PASSWORD)
        idle_rss = max(worker_rss_mb(server.process.pid).values())
        command = ["wrk", "-t", str(clients), "-c", str(clients), "-d", "3600s", "-s", str(script)]
        command += header_args(session_headers(session)) + [server.url]
        load = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        database = storage / "fieldcase.sqlite3"
        progress, moved = 0, time.monotonic()
        while load.poll() is None and progress < photos.count and time.monotonic() - moved < 30:
            time.sleep(0.2)
            if (now := _received(database)[0]) != progress:
                progress, moved = now, time.monotonic()
        received, first, last = _received(database)
        # Out of photos (or failing): stop wrk, which then prints its totals.
        load.send_signal(signal.SIGINT)
        out = load.communicate(timeout=60)[0]
        deadline = time.monotonic() + 300
        while len(_thumbnails(storage)) < received and time.monotonic() < deadline:
            time.sleep(0.2)
        thumbs = _thumbnails(storage)
        thumbs_done = max((p.stat().st_mtime for p in thumbs), default=None)
        rss_after = worker_rss_mb(server.process.pid)
        decoders = decoder_rss_mb(server.process.pid)  # before they stop, idle
        hostile_rss = send_hostile(server, storage) if hostile else None
    finally:
        stop_gunicorn(server)
    counts = re.search(r"PHOTOS received=(\d+) failures=(\d+)", out)
    failures = int(counts.group(2)) if counts else -1
    span = (last - first) if first and last else None
    return {"clients": clients, "photos": received, "failures": failures,
            "per_s": received / span if span else 0.0,
            "with_thumbnails_per_s": (len(thumbs) / (thumbs_done - first)) if thumbs and first else 0.0,
            "thumbnails": len(thumbs), "idle_rss_mb": idle_rss, "rss_mb": max(rss_after.values()),
            "hostile_rss_mb": hostile_rss, "decoder_rss_mb": max(decoders, default=None),
            "wrk": out}


def send_hostile(server, storage: Path) -> float:
    """Hostile photos of the corpus's kind sent by officer2 (a PNG bomb of 100 MP, a JPEG whose
    header claims 60,000² pixels, a cut-short JPEG, a script behind a JPEG), each listed by an
    inspection of its own; each answered as specified. Returns the workers' largest RSS after."""
    photo = scene_jpeg()
    sof = photo.index(b"\xff\xc0")
    giant = photo[:sof + 5] + (60000).to_bytes(2, "big") * 2 + photo[sof + 9:]
    files = [(png_bomb(10_000), 422), (giant, 422), (photo[: len(photo) // 2], 204),
             (photo + b"<html><script>alert(1)</script></html>", 204)]
    for data, status in files:
        photos = PhotoSet(1, Path(), Path(), 0, [hashlib.sha256(data).hexdigest()], len(data))
        record, evidence = list_photos(str(server_database_url(storage)), photos)[0]
        session = login_session(server.url, "officer2", PASSWORD)
        session.headers["Tus-Resumable"] = "1.0.0"
        created = session.post(server.url + "/api/uploads", headers={
            "Upload-Length": str(len(data)), "Upload-Metadata": metadata_header(
                inspection_uuid=str(record), evidence_uuid=str(evidence), sha256=photos.sha256s[0],
                filename="hostile.jpg")})
        created.raise_for_status()
        answer = session.patch(created.headers["Location"], data=data, headers={
            "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})
        if answer.status_code != status:
            raise SystemExit(f"hostile upload answered {answer.status_code}, not {status}: {answer.text}")
        if status == 204:  # a page asks for its thumbnail: made on demand, or refused as no preview
            session.get(server.url + f"/api/evidence/{evidence}/thumbnail")
    return max(worker_rss_mb(server.process.pid).values())


def server_database_url(storage: Path) -> str:
    return f"sqlite:///{storage / 'fieldcase.sqlite3'}"


def thumbnail_times(photos: PhotoSet, folder: Path, count: int) -> dict:
    """Per photo, interleaved: the raw Pillow limit (open, draft('RGB', (320, 320)), decode), our
    thumbnail in-process (photos.make_derived), and through the decoding child as the server
    makes it (pipe included); milliseconds, p50 and p99."""
    from PIL import Image

    from server.evidence.decoder import Decoder
    from server.evidence.photos import make_derived

    paths = []
    for n in range(min(count, photos.count)):
        path = folder / f"photo-{n}.jpg"
        path.write_bytes(photos.photo(n))
        paths.append(path)
    decoder = Decoder(64_000_000, max_jobs=10_000)
    decoder.make(paths[0], ["thumbnail"])  # the child's start is not a thumbnail's cost
    raw, ours, child = [], [], []
    try:
        for path in paths:
            started = time.perf_counter()
            with Image.open(path) as image:
                image.draft("RGB", (320, 320))
                image.load()
            raw.append(time.perf_counter() - started)
            started = time.perf_counter()
            make_derived(path, 64_000_000, ["thumbnail"])
            ours.append(time.perf_counter() - started)
            started = time.perf_counter()
            decoder.make(path, ["thumbnail"])
            child.append(time.perf_counter() - started)
    finally:
        decoder.close()
        for path in paths:
            path.unlink()
    return {name: (percentile(values, 50) * 1000, percentile(values, 99) * 1000)
            for name, values in (("raw", raw), ("ours", ours), ("child", child))}


def measure(single: int, many: int, folder: Path, workers: int = DEFAULT_WORKERS,
            thumbnails: int = 40, one_request: bool = False) -> dict:
    """Both runs (1 client with `single` photos, 4 clients with `many`) and the thumbnail times."""
    one = ingest(photo_set(folder / "one", single, 0), 1, folder, workers, one_request=one_request)
    four_set = photo_set(folder / "four", many, single)
    four = ingest(four_set, 4, folder, workers, hostile=True, one_request=one_request)
    return {"one": one, "four": four, "thumbnail": thumbnail_times(four_set, folder, thumbnails),
            "size_mb": four_set.size / 1e6}


def rows(m: dict) -> list[tuple]:
    """(measure, FieldCase, unit, limit or target, ratio)."""
    one, four, t = m["one"], m["four"], m["thumbnail"]
    return [
        (f"12 MP photos ({m['size_mb']:.1f} MB, EXIF) over tus, 1 client ({one['photos']})",
         f"{one['per_s']:.1f}", "photos/s", "ODK Central 21", f"{one['per_s'] / 21:.2f}"),
        ("  that, until every thumbnail was made", f"{one['with_thumbnails_per_s']:.1f}", "photos/s", "", ""),
        (f"same, 4 clients ({four['photos']})", f"{four['per_s']:.1f}", "photos/s", "target >= 40",
         f"{four['per_s'] / 40:.2f}"),
        ("  that, until every thumbnail was made", f"{four['with_thumbnails_per_s']:.1f}", "photos/s",
         "target >= 40", f"{four['with_thumbnails_per_s'] / 40:.2f}"),
        ("  failed uploads (1 client / 4 clients)", f"{one['failures']} / {four['failures']}", "", "0", ""),
        ("thumbnail of a 12 MP JPEG, in the decoding child, p50", f"{t['child'][0]:.1f}", "ms",
         f"{t['raw'][0]:.1f} raw Pillow draft() decode", f"{t['child'][0] / t['raw'][0]:.2f}"),
        ("  that, p99", f"{t['child'][1]:.1f}", "ms", f"{t['raw'][1]:.1f} raw, target <= 40",
         f"{t['child'][1] / t['raw'][1]:.2f}"),
        ("  in-process (no pipe), p50 / p99", f"{t['ours'][0]:.1f} / {t['ours'][1]:.1f}", "ms", "", ""),
        (f"worker RSS after {four['photos']} photo uploads (largest worker)", f"{four['rss_mb']:.0f}", "MB",
         f"limit {RSS_LIMIT_MB} (idle {four['idle_rss_mb']:.0f})", f"{four['rss_mb'] / RSS_LIMIT_MB:.2f}"),
        ("  and after the hostile photos (bombs, cut short, polyglot)", f"{four['hostile_rss_mb']:.0f}", "MB",
         f"limit {RSS_LIMIT_MB}", f"{four['hostile_rss_mb'] / RSS_LIMIT_MB:.2f}"),
        ("  decoding child (outside the worker; replaced every 500 photos, or past its RSS cap)",
         "none running" if four["decoder_rss_mb"] is None else f"{four['decoder_rss_mb']:.0f}", "MB", "", ""),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=None, help="photos per run (default 200 and 1000)")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help="gunicorn workers")
    parser.add_argument("--with-creation", action="store_true",
                        help="each photo in one POST (tus creation-with-upload), not creation then PATCH")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="fieldcase-photos-"))
    tempfile.tempdir = str(folder)  # the instances' databases and stores land here too
    try:
        m = measure(args.photos or 200, args.photos or 1000, folder, args.workers,
                    one_request=args.with_creation)
    finally:
        tempfile.tempdir = None
        shutil.rmtree(folder, ignore_errors=True)
    print(f"\nPhoto ingest, {os.cpu_count()} CPUs, {args.workers} gunicorn workers, SQLite, wrk on loopback")
    table = [("measure", "FieldCase", "unit", "limit / target (same run)", "ratio")] + rows(m)
    widths = [max(len(str(r[i])) for r in table) for i in range(5)]
    for n, r in enumerate(table):
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) + " |")
        if n == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")


if __name__ == "__main__":
    main()
