"""Where one photo upload's own work goes, in-process (Flask test client, no HTTP): CPU per
photo on the request path (creation + one PATCH with the whole file, as the PWA sends a photo),
SQL statements, fsyncs, and a cProfile.

    .venv/bin/python -m bench.photo_profile [--photos 60] [--profile 30]

CPU time, so less sensitive to the other work on the machine than wall time. The thumbnail is
made after the answer (in the decoding child): it is not in these figures.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import tempfile
import time
from pathlib import Path
from unittest import mock

from bench.harness import FAST_HASHING, PASSWORD, prepare_instance, remove_at_exit
from bench.photos import list_photos, photo_set
from testing.accounts import login_test_client
from testing.tus import metadata_header

TUS = {"Tus-Resumable": "1.0.0"}


def run(count: int, profile: int, one_request: bool) -> dict:
    import sqlalchemy as sa

    from server import create_app
    from server.extensions import db

    folder = remove_at_exit(Path(tempfile.mkdtemp(prefix="fieldcase-photo-profile-")))
    photos = photo_set(folder, count + profile, 0)
    url, storage = prepare_instance()
    pairs = list_photos(url, photos)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "STORAGE_DIR": storage, **FAST_HASHING})
    client = app.test_client()
    token = login_test_client(client, "officer1", PASSWORD)
    counts = {"statements": 0, "fsyncs": 0}

    def upload(n: int) -> None:
        record, evidence = pairs[n]
        meta = metadata_header(inspection_uuid=str(record), evidence_uuid=str(evidence),
                               sha256=photos.sha256s[n], filename=f"IMG_{n:05d}.jpg")
        data = photos.photo(n)
        if one_request:  # tus creation-with-upload
            answer = client.post("/api/uploads", data=data, headers={
                **TUS, "X-CSRF-Token": token, "Upload-Length": str(photos.size), "Upload-Metadata": meta,
                "Content-Type": "application/offset+octet-stream"})
            assert answer.status_code == 201 and answer.headers.get("X-Evidence-Status") == "received", \
                (answer.status_code, answer.get_data())
            return
        created = client.post("/api/uploads", headers={
            **TUS, "X-CSRF-Token": token, "Upload-Length": str(photos.size), "Upload-Metadata": meta})
        assert created.status_code == 201, created.get_data()
        answer = client.patch(created.headers["Location"], data=data, headers={
            **TUS, "X-CSRF-Token": token, "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream"})
        assert answer.headers.get("X-Evidence-Status") == "received", answer.get_data()

    real_fsync = os.fsync

    def counting_fsync(fd):
        counts["fsyncs"] += 1
        return real_fsync(fd)

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute",
                        lambda *a: counts.__setitem__("statements", counts["statements"] + 1))
    upload(0)  # warm-up
    counts.update(statements=0, fsyncs=0)
    with mock.patch("os.fsync", counting_fsync):
        started, cpu = time.perf_counter(), time.process_time()
        for n in range(1, count):
            upload(n)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - started
    per = {k: v / (count - 1) for k, v in counts.items()}
    profiler = cProfile.Profile()
    profiler.enable()
    for n in range(count, count + profile):
        upload(n)
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(45)
    return {"cpu_ms": cpu / (count - 1) * 1000, "wall_ms": wall / (count - 1) * 1000, **per}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=60)
    parser.add_argument("--profile", type=int, default=30)
    parser.add_argument("--one-request", action="store_true", help="tus creation-with-upload")
    args = parser.parse_args()
    result = run(args.photos, args.profile, args.one_request)
    print(f"per photo: CPU {result['cpu_ms']:.1f} ms, wall {result['wall_ms']:.1f} ms, "
          f"{result['statements']:.1f} SQL statements, {result['fsyncs']:.1f} fsyncs "
          f"(load: {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    main()
