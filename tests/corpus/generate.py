"""The hostile-input corpus: every bad input of the sync, evidence and session APIs in one folder.

    python -m tests.corpus.generate [OUT]     (default: tests/corpus/out, ignored by git)

writes `OUT/manifest.json` and the bodies and evidence files it names (generated here, never
committed). The manifest holds:
- `accounts`: the users the instance needs (who the cases log in as);
- `seed`: records to sync and evidence files to upload first, so that "nothing changed" is
  measured against real data; the second record lists hostile files the cases then try to send;
- `append_only`: tables that may gain rows during a case (logs of attempts), never change rows;
- `cases`: each a list of HTTP `steps` (method, path, headers, body, who is logged in) with the
  answer each must get (status, problem `code`, per-record results, headers), and `accepts`, the
  one evidence file a case may store (odd but valid files); nothing else may change.

A step's path may use `{upload}`: the path of the upload the case created last (tus Location).
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import struct
import sys
import uuid
from datetime import datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as a script: python tests/corpus/generate.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PIL import Image  # noqa: E402

from server.errors import PROBLEM_TYPE_BASE  # noqa: E402
from tests.evidence import samples  # noqa: E402
from tests.factories import SHANGHAI, evidence_entry, overload_record, sync_body  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parent / "out"
TUS = {"Tus-Resumable": "1.0.0"}
JSON = {"Content-Type": "application/json"}
SYNC_MAX_RECORDS = 200  # the server's default FIELDCASE_SYNC_MAX_RECORDS
JSON_MAX_BYTES = 8 * 1024 * 1024  # the server's default FIELDCASE_JSON_MAX_BYTES
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 500
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>" * 4

ACCOUNTS = [
    {"username": "officer1", "roles": ["officer"], "team": "A", "certificate": "valid"},
    {"username": "officer2", "roles": ["officer"], "team": "A", "certificate": "valid"},
    {"username": "officer3", "roles": ["officer"], "team": "B", "certificate": "valid"},
    {"username": "officer8", "roles": ["officer"], "team": "A", "certificate": "expired"},
    {"username": "supervisor1", "roles": ["supervisor"], "team": "A", "certificate": None},
]


def png(color: tuple[int, int, int], size=(200, 80)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def jpeg_with_broken_exif() -> bytes:
    """A JPEG whose EXIF IFD0 offset points far past the end of its segment."""
    data = bytearray(samples.jpeg(160, 120, taken=datetime(2026, 5, 1, 9, 0)))
    tiff = data.index(b"Exif\x00\x00") + 6
    byte_order = ">" if data[tiff:tiff + 2] == b"MM" else "<"
    data[tiff + 4:tiff + 8] = struct.pack(byte_order + "I", 0xFFFFFF00)
    return bytes(data)


def metadata(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


class Corpus:
    """Builds the manifest; `file()` writes a body or evidence file and returns its name."""

    def __init__(self, out: Path | None):
        self.out = out  # None: build the manifest only (e.g. to list the cases' names)
        self.cases: list[dict] = []
        if out is not None:
            (out / "files").mkdir(parents=True, exist_ok=True)

    def file(self, name: str, data: bytes) -> str:
        if self.out is not None:
            (self.out / "files" / name).write_bytes(data)
        return f"files/{name}"

    def case(self, name: str, group: str, steps: list[dict], *, who: str | None = "officer1",
             accepts: str | None = None, why: str = "") -> None:
        assert name not in {c["name"] for c in self.cases}, name
        for position, step in enumerate(steps):
            if isinstance(step.get("body"), bytes):
                step["body"] = self.file(f"{name}.{position}.body", step["body"])
        unchanged = ("every row and evidence file; append-only logs may only gain rows" if not accepts else
                     f"every row and evidence file but those of the one file it stores (evidence {accepts})")
        self.cases.append({"name": name, "group": group, "as": who, "why": why, "steps": steps,
                           "accepts": accepts, "unchanged": unchanged})


def step(method: str, path: str, status: int, code: str | None = None, **kw) -> dict:
    return {"method": method, "path": path, "headers": kw.pop("headers", {}),
            "json": kw.pop("json", None), "body": kw.pop("body", None), "as": kw.pop("who", None),
            "expect": {"status": status, "code": code, "type": code and PROBLEM_TYPE_BASE + code, **kw}}


def _seed_records(c: Corpus) -> tuple[dict, dict, dict]:
    """S1: a valid record whose seven files are uploaded at seeding. S2: a record listing the
    hostile files (all missing at first). Returns (s1, s2, files of S2 by name)."""
    s1 = overload_record(plate="浙F00001")
    now = datetime.now(SHANGHAI)
    contents = [samples.jpeg(320, 240, taken=now - timedelta(minutes=40), gps=(30.5257, 120.9431)),
                samples.jpeg(320, 240, color=(200, 40, 40)), samples.jpeg(320, 240, color=(40, 200, 40)),
                samples.jpeg(320, 240, color=(90, 90, 90)), png((250, 250, 250)), png((240, 240, 200)),
                png((200, 240, 240))]
    for entry, data in zip(s1["evidence"], contents, strict=True):
        entry.update(sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                     media_type="image/png" if data.startswith(b"\x89PNG") else "image/jpeg")
        entry["file"] = c.file(f"seed-{entry['uuid']}.bin", data)

    s2 = overload_record(plate="浙F00002")
    hostile = {
        "elf": ("scene_photos", "image/jpeg", ELF),
        "html": ("scene_photos", "image/jpeg", HTML),
        "bomb": ("scene_photos", "image/png", samples.png_bomb(10_000)),
        "jpeg": ("scene_photos", "image/jpeg", samples.jpeg(400, 300, color=(10, 10, 200))),
        "exif_weird": ("scene_photos", "image/jpeg", samples.jpeg(
            200, 150, taken=datetime(9999, 12, 31, 23, 59, 59), offset="+99:99", gps=(95.0, 200.0))),
        "exif_broken": ("scene_photos", "image/jpeg", jpeg_with_broken_exif()),
        "mp4": ("recording_clips", "video/mp4", samples.mp4()),
    }
    files = {}
    answers = s2["answers"]
    answers["recording"] = "body_camera"
    del answers["no_recording_reason"]
    answers["recording_clips"] = []
    for name, (item, media_type, data) in hostile.items():
        entry = evidence_entry(item, media_type, data)
        s2["evidence"].append(entry)
        answers[item].append(entry["uuid"])
        files[name] = {**entry, "data": data, "file": c.file(f"{name}.bin", data)}
    return s1, s2, files


def _sync_cases(c: Corpus, s1: dict) -> None:
    def record_case(name, mutate, code, field, why=""):
        record = overload_record(plate="浙F00009")
        mutate(record)
        c.case(name, "sync", [step("POST", "/api/sync", 200, json=sync_body(record), results=[
            {"result": "rejected", "code": code, "field": field}])], why=why)

    started = lambda r: datetime.fromisoformat(r["started_at"])  # noqa: E731
    record_case("sync-uuid-missing", lambda r: r.pop("uuid"), "sync.invalid_uuid", "uuid")
    record_case("sync-uuid-malformed", lambda r: r.update(uuid="'; DROP TABLE inspections; --"),
                "sync.invalid_uuid", "uuid")
    record_case("sync-form-unknown", lambda r: r.update(form_id="no-such-form"), "sync.unknown_form", "form_id")
    record_case("sync-form-version-unknown", lambda r: r.update(form_version=99), "sync.unknown_form", "form_id")
    record_case("sync-answer-not-an-option", lambda r: r["answers"].update(vehicle_type="truck_9"),
                "sync.invalid_answers", "vehicle_type")
    record_case("sync-answer-wrong-type", lambda r: r["answers"].update(measured_mass="heavy"),
                "sync.invalid_answers", "measured_mass")
    record_case("sync-answer-required-missing", lambda r: r["answers"].pop("plate"),
                "sync.invalid_answers", "plate")
    record_case("sync-answer-unknown-item", lambda r: r["answers"].update(unknown_item="x"),
                "sync.invalid_answers", "unknown_item")
    record_case("sync-answer-deeply-nested", lambda r: r["answers"].update(
        cargo=json.loads("[" * 800 + "]" * 800)), "sync.invalid_answers", "cargo")
    record_case("sync-answer-huge-string", lambda r: r["answers"].update(cargo="货" * 1_000_000),
                "sync.invalid_answers", "cargo")
    record_case("sync-co-officer-certificate-expired", lambda r: r.update(officers=["officer1", "officer8"]),
                "sync.invalid_officers", "officers")
    record_case("sync-co-officer-unknown", lambda r: r.update(officers=["officer1", "ghost"]),
                "sync.invalid_officers", "officers")
    record_case("sync-co-officer-not-an-officer", lambda r: r.update(officers=["officer1", "supervisor1"]),
                "sync.invalid_officers", "officers")
    record_case("sync-single-officer", lambda r: r.update(officers=["officer1"]), "sync.invalid_record", "officers")
    record_case("sync-submitter-not-among-officers", lambda r: r.update(officers=["officer2", "officer3"]),
                "sync.invalid_officers", "officers")
    record_case("sync-finished-before-started", lambda r: r.update(
        finished_at=(started(r) - timedelta(minutes=1)).isoformat()), "sync.invalid_record", "finished_at")
    record_case("sync-timestamp-years-past", lambda r: r.update(
        started_at="2019-05-01T09:00:00+08:00", finished_at="2019-05-01T09:30:00+08:00"),
        "sync.implausible_time", "started_at")
    record_case("sync-timestamp-years-future", lambda r: r.update(
        started_at="2031-05-01T09:00:00+08:00", finished_at="2031-05-01T09:30:00+08:00"),
        "sync.implausible_time", "started_at")
    record_case("sync-timestamp-without-offset", lambda r: r.update(started_at="2026-01-01T09:00:00"),
                "sync.invalid_record", "started_at")
    record_case("sync-wrong-type-form-version", lambda r: r.update(form_version="1"),
                "sync.invalid_record", "form_version")
    record_case("sync-wrong-type-officers", lambda r: r.update(officers="officer1,officer2"),
                "sync.invalid_record", "officers")
    record_case("sync-huge-device-id", lambda r: r.update(device_id="x" * 3_000_000),
                "sync.invalid_record", "device_id")
    record_case("sync-evidence-bad-sha256", lambda r: r["evidence"][0].update(sha256="abc"),
                "sync.invalid_record", "evidence")
    record_case("sync-evidence-negative-size", lambda r: r["evidence"][0].update(size=-1),
                "sync.invalid_record", "evidence")
    record_case("sync-evidence-claims-received-file", lambda r: r["evidence"][0].update(
        uuid=s1["evidence"][0]["uuid"]) or r["answers"].update(scene_photos=[s1["evidence"][0]["uuid"]]),
        "sync.invalid_answers", "evidence", why="a file already listed by another record")
    record_case("sync-amends-unknown-record", lambda r: r.update(
        replaces=str(uuid.uuid4()), amendment_reason="更正车牌"), "sync.invalid_amendment", "replaces")
    record_case("sync-amends-a-record-not-returned", lambda r: r.update(
        replaces=s1["uuid"], amendment_reason="更正车牌"), "sync.invalid_amendment", "replaces")

    altered = {**s1, "subject": {**s1["subject"], "name": "浙F99999"}}
    c.case("sync-conflicting-resend", "sync", [step("POST", "/api/sync", 200, json=sync_body(altered),
                                                     results=[{"result": "conflict", "code": "sync.conflict"}])])
    c.case("sync-identical-resend", "sync", [step("POST", "/api/sync", 200, json=sync_body(s1),
                                                   results=[{"result": "duplicate"}])])

    def body_case(name, status, code, body, headers=JSON, why=""):
        c.case(name, "sync", [step("POST", "/api/sync", status, code, body=body, headers=headers)], why=why)

    valid = json.dumps(sync_body(overload_record(plate="浙F00010")), ensure_ascii=False)
    body_case("sync-batch-over-limit", 413, "sync.too_many_records", json.dumps(
        sync_body(*[overload_record(plate=f"浙F1{i:04d}") for i in range(SYNC_MAX_RECORDS + 1)])).encode())
    body_case("sync-batch-10000-items", 413, "sync.too_many_records",
              json.dumps({"records": [{"uuid": str(uuid.uuid4())} for _ in range(10_000)]}).encode())
    body_case("sync-empty-batch", 422, "request.validation", b'{"records": []}')
    body_case("sync-records-not-a-list", 422, "request.validation", b'{"records": "x"}')
    body_case("sync-batch-is-a-list", 422, "request.validation", b"[1, 2, 3]")
    body_case("sync-device-time-not-a-time", 422, "request.validation",
              b'{"device_time": "yesterday", "records": [{}]}')
    body_case("sync-empty-body", 400, "request.body_empty", b"")
    body_case("sync-not-json-text", 415, "request.not_json", valid.encode(), {"Content-Type": "text/plain"})
    body_case("sync-not-json-form", 415, "request.not_json", b"records=1",
              {"Content-Type": "application/x-www-form-urlencoded"})
    body_case("sync-malformed-json", 400, "request.invalid_json", valid[:-40].encode())
    body_case("sync-invalid-utf8", 400, "request.invalid_json",
              valid.encode().replace("浙F00010".encode(), b"\xff\xfe\xc3\x28"))
    body_case("sync-utf16-body", 400, "request.invalid_json", valid.encode("utf-16"))
    body_case("sync-deeply-nested", 400, "request.invalid_json",
              b'{"records": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    body_case("sync-deeply-nested-objects", 400, "request.invalid_json",
              b'{"records": [' + b'{"a":' * 50_000 + b"1" + b"}" * 50_000 + b"]}")
    body_case("sync-duplicate-keys", 400, "request.invalid_json",
              valid.replace('"form_id": "overload"', '"form_id": "overload", "form_id": "bus"').encode())
    body_case("sync-nan", 400, "request.invalid_json",
              valid.replace('"measured_mass": 17000', '"measured_mass": NaN').encode())
    body_case("sync-infinity", 400, "request.invalid_json",
              valid.replace('"accuracy_m": 8.5', '"accuracy_m": -Infinity').encode())
    body_case("sync-number-overflow", 400, "request.invalid_json",
              valid.replace('"latitude": 30.5257', '"latitude": 1e999').encode())
    body_case("sync-huge-integer", 400, "request.invalid_json",
              valid.replace('"form_version": 1', '"form_version": ' + "9" * 5000).encode())
    body_case("sync-lone-surrogate", 400, "request.invalid_json",
              valid.replace('"device-test-1"', '"device-\\ud800"').encode())
    body_case("sync-nul-character", 400, "request.invalid_json",
              valid.replace("浙F00010", "浙F\\u000010").encode())
    body_case("sync-over-size-body", 413, "request.too_large",
              json.dumps({"records": [{"uuid": str(uuid.uuid4()), "pad": "x" * (JSON_MAX_BYTES + 1024)}]}).encode())
    c.case("sync-wrong-method", "sync", [step("PUT", "/api/sync", 405, "request.method_not_allowed", json={})])
    c.case("sync-status-someone-elses", "sync", [step(
        "GET", f"/api/sync/status?uuid={s1['uuid']}", 200, json_equals=[])], who="officer3")
    c.case("sync-status-bad-uuid", "sync", [step("GET", "/api/sync/status?uuid=../../etc", 422,
                                                  "request.validation")])


def _upload_cases(c: Corpus, s1: dict, s2: dict, files: dict) -> None:
    def create(name, who=None, *, length=None, sha=None, filename="photo.jpg", status=201, code=None,
               inspection=None, evidence=None, headers=None, **expect):
        target = files[name] if isinstance(name, str) else name
        meta = metadata(inspection_uuid=inspection or s2["uuid"], evidence_uuid=evidence or target["uuid"],
                        sha256=sha or target["sha256"], filename=filename)
        return step("POST", "/api/uploads", status, code, who=who, headers={
            **TUS, "Upload-Length": str(target["size"] if length is None else length),
            "Upload-Metadata": meta, **(headers or {})}, **expect)

    def patch(body: bytes, status, code=None, offset=0, headers=None, **expect):
        return step("PATCH", "{upload}", status, code, body=body, headers={
            **TUS, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream",
            **(headers or {})}, **expect)

    terminate = step("DELETE", "{upload}", 204, headers=TUS)
    gone = step("HEAD", "{upload}", 404, headers=TUS)
    jpeg, mp4 = files["jpeg"], files["mp4"]

    c.case("upload-exe-renamed-jpg", "upload", [
        create("elf", filename="photo.jpg"), patch(files["elf"]["data"], 415, "evidence.unsupported_type"), gone])
    c.case("upload-bytes-not-declared-type", "upload", [
        create("html"), patch(files["html"]["data"], 415, "evidence.unsupported_type"), gone])
    c.case("upload-decompression-bomb", "upload", [
        create("bomb", filename="bomb.png"), patch(files["bomb"]["data"], 422, "evidence.image_too_large")])
    c.case("upload-truncated-jpeg", "upload", [
        create("jpeg", length=jpeg["size"] // 2, status=422, code="evidence.size_differs")])
    c.case("upload-truncated-jpeg-padded", "upload", [
        create("jpeg"), patch(jpeg["data"][: jpeg["size"] // 2] + b"\x00" * (jpeg["size"] - jpeg["size"] // 2),
                              422, "evidence.hash_mismatch"), gone])
    c.case("upload-truncated-mp4-padded", "upload", [
        create("mp4", filename="clip.mp4"), patch(mp4["data"][:200] + b"\x00" * (mp4["size"] - 200), 422,
                                                  "evidence.hash_mismatch")])
    c.case("upload-truncated-mp4-then-silence", "upload", [
        create("mp4", filename="clip.mp4"), patch(mp4["data"][:300], 204, headers_equal={"Upload-Offset": "300"}),
        step("HEAD", "{upload}", 200, headers=TUS, headers_equal={"Upload-Offset": "300"}), terminate, gone],
        why="an upload cut short keeps its bytes until terminated; nothing is received")
    wrong = base64.b64encode(hashlib.sha256(b"other bytes").digest()).decode()
    c.case("upload-wrong-chunk-checksum", "upload", [
        create("jpeg"), patch(jpeg["data"], 460, "upload.checksum_mismatch", headers={
            "Upload-Checksum": f"sha256 {wrong}"}),
        step("HEAD", "{upload}", 200, headers=TUS, headers_equal={"Upload-Offset": "0"}), terminate])
    c.case("upload-unknown-checksum-algorithm", "upload", [
        create("jpeg"), patch(jpeg["data"], 400, "upload.checksum_invalid", headers={
            "Upload-Checksum": "md5 " + base64.b64encode(hashlib.md5(jpeg["data"]).digest()).decode()}),
        terminate])
    c.case("upload-declared-hash-differs", "upload", [
        create("jpeg", sha=hashlib.sha256(b"x").hexdigest(), status=422, code="evidence.declared_hash_differs")])
    c.case("upload-zero-length", "upload", [create("jpeg", length=0, status=400, code="upload.empty")])
    c.case("upload-over-size-limit", "upload", [
        create("jpeg", length=5 * 1024 ** 3, status=413, code="upload.too_large")])
    c.case("upload-length-negative", "upload", [
        create("jpeg", length=-1, status=400, code="upload.length_invalid")])
    c.case("upload-length-huge", "upload", [
        create("jpeg", length=10 ** 30, status=400, code="upload.length_invalid")])
    c.case("upload-length-not-a-number", "upload", [
        create("jpeg", length="1e6", status=400, code="upload.length_invalid")])
    c.case("upload-offset-mismatch", "upload", [
        create("jpeg"), patch(jpeg["data"][100:], 409, "upload.offset_mismatch", offset=100),
        patch(jpeg["data"][:50], 204), patch(jpeg["data"][:50], 409, "upload.offset_mismatch", offset=0),
        terminate, gone])
    c.case("upload-offset-negative", "upload", [
        create("jpeg"), patch(jpeg["data"], 400, "upload.offset_invalid", offset=-5), terminate])
    c.case("upload-body-beyond-length", "upload", [
        create("jpeg"), patch(jpeg["data"] + b"\x00" * 4096, 413, "upload.too_large"), terminate])
    c.case("upload-patch-wrong-content-type", "upload", [
        create("jpeg"), patch(jpeg["data"], 415, "upload.content_type",
                              headers={"Content-Type": "image/jpeg"}), terminate])
    c.case("upload-without-tus-version", "upload", [
        create("jpeg", status=412, code="upload.tus_version", headers={"Tus-Resumable": "0.2.2"})])
    c.case("upload-metadata-not-base64", "upload", [step(
        "POST", "/api/uploads", 400, "upload.metadata_invalid", headers={
            **TUS, "Upload-Length": "10", "Upload-Metadata": "evidence_uuid %%%not-base64%%%"})])
    c.case("upload-metadata-path-traversal-name", "upload", [
        create("jpeg", filename="../../../../etc/passwd"),
        step("HEAD", "{upload}", 200, headers=TUS, metadata_equal={"filename": "passwd"}), terminate, gone],
        why="the name is kept only as a cleaned display name; no file is written by that name")
    c.case("upload-metadata-evidence-not-a-uuid", "upload", [
        create("jpeg", evidence="../../evidence", status=400, code="upload.metadata_invalid")])
    c.case("upload-to-someone-elses-inspection", "upload", [
        create("jpeg", who="officer3", status=404, code="request.not_found")])
    c.case("upload-by-a-supervisor", "upload", [
        create("jpeg", who="supervisor1", status=403, code="evidence.not_an_officer")])
    c.case("upload-evidence-of-another-inspection", "upload", [
        create("jpeg", evidence=s1["evidence"][0]["uuid"], status=404, code="evidence.not_listed")])
    received = {**s1["evidence"][0], "size": jpeg["size"]}
    c.case("upload-replace-received-evidence", "upload", [
        create(received, inspection=s1["uuid"], sha=jpeg["sha256"], status=409, code="evidence.already_received")])
    c.case("upload-into-someone-elses-upload", "upload", [
        create("jpeg"), patch(jpeg["data"], 404, "upload.not_found", who="officer2"),
        step("HEAD", "{upload}", 404, who="officer2", headers=TUS), terminate])
    c.case("upload-id-path-traversal", "upload", [step(
        "PATCH", "/api/uploads/..%2F..%2Fsecret_key", 405, "request.method_not_allowed", headers={
            **TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}, body=b"x")])
    c.case("upload-exif-from-the-future-and-nonsense-gps", "upload", [
        create("exif_weird"), patch(files["exif_weird"]["data"], 204,
                                    headers_equal={"X-Evidence-Status": "received"})],
        accepts=files["exif_weird"]["uuid"], why="odd EXIF is stored as sent, the nonsense ignored")
    c.case("upload-exif-broken-ifd", "upload", [
        create("exif_broken"), patch(files["exif_broken"]["data"], 204,
                                     headers_equal={"X-Evidence-Status": "received"})],
        accepts=files["exif_broken"]["uuid"], why="a broken EXIF block must not break the upload")


def _session_cases(c: Corpus, s1: dict) -> None:
    record = s1["uuid"]
    evidence = s1["evidence"][0]["uuid"]
    forged = {"X-CSRF-Token": "forged-token"}
    c.case("auth-sync-without-session", "auth", [step("POST", "/api/sync", 401, "auth.required",
                                                      json=sync_body(overload_record()))], who=None)
    c.case("auth-list-without-session", "auth", [step("GET", "/api/inspections", 401, "auth.required")], who=None)
    c.case("auth-upload-without-session", "auth", [step("POST", "/api/uploads", 401, "auth.required", headers={
        **TUS, "Upload-Length": "10", "Upload-Metadata": metadata(evidence_uuid=evidence)})], who=None)
    c.case("auth-evidence-without-session", "auth", [
        step("GET", f"/api/evidence/{evidence}/original", 401, "auth.required")], who=None)
    c.case("auth-sync-forged-csrf", "auth", [step("POST", "/api/sync", 403, "auth.csrf_failed", headers=forged,
                                                  json=sync_body(overload_record()))])
    c.case("auth-sync-missing-csrf", "auth", [step("POST", "/api/sync", 403, "auth.csrf_failed",
                                                   headers={"X-CSRF-Token": None},
                                                   json=sync_body(overload_record()))])
    c.case("auth-upload-forged-csrf", "auth", [step("POST", "/api/uploads", 403, "auth.csrf_failed", headers={
        **TUS, **forged, "Upload-Length": "10", "Upload-Metadata": metadata(evidence_uuid=evidence)})])
    c.case("auth-logout-forged-csrf", "auth", [step("DELETE", "/api/session", 403, "auth.csrf_failed",
                                                    headers=forged)])
    login = lambda username, password, status, code: step(  # noqa: E731
        "POST", "/api/session", status, code, json={"username": username, "password": password})
    c.case("auth-wrong-password", "auth", [login("officer2", "not-the-password", 401, "auth.invalid_credentials")],
           who=None)
    c.case("auth-sql-injection-username", "auth", [
        login("' OR '1'='1' --", "' OR '1'='1' --", 401, "auth.invalid_credentials")], who=None)
    c.case("auth-sql-injection-union", "auth", [
        login("admin' UNION SELECT * FROM users --", "x", 401, "auth.invalid_credentials")], who=None)
    c.case("auth-overlong-username", "auth", [login("u" * 10_000, "x", 422, "request.validation")], who=None)
    c.case("auth-overlong-password", "auth", [login("officer2", "p" * 100_000, 422, "request.validation")],
           who=None)
    c.case("auth-login-wrong-types", "auth", [login(["officer1"], {"$ne": None}, 422, "request.validation")],
           who=None)
    c.case("auth-forged-session-cookie", "auth", [step(
        "GET", "/api/me", 401, "auth.required",
        headers={"Cookie": "fieldcase_session=eyJ0b2tlbiI6ImFkbWluIn0.forged.sig"})],
        who=None)

    hidden = f"/api/inspections/{record}"
    for name, path in [("record", hidden), ("evidence-list", hidden + "/evidence"),
                       ("trail", hidden + "/trail"), ("export", hidden + "/export"),
                       ("printed-record", hidden + "/record.pdf"), ("evidence", f"/api/evidence/{evidence}"),
                       ("original", f"/api/evidence/{evidence}/original"),
                       ("thumbnail", f"/api/evidence/{evidence}/thumbnail")]:
        c.case(f"access-other-team-{name}", "access", [step("GET", path, 404, "request.not_found")],
               who="officer3")
    c.case("access-unknown-record", "access", [step("GET", f"/api/inspections/{uuid.uuid4()}", 404,
                                                    "request.not_found")])
    c.case("access-record-id-not-a-uuid", "access", [step("GET", "/api/inspections/1%20OR%201=1", 404,
                                                          "request.not_found")])
    c.case("access-officer-approves", "access", [step("POST", hidden + "/review/approve", 403, "review.not_supervisor",
                                                      json={"expected_status": "complete"})])
    for name, path in [("static", "/static/..%2F..%2Fstorage%2Fsecret_key"),
                       ("root", "/..%2F..%2Fstorage%2Ffieldcase.sqlite3"),
                       ("uploads", "/api/uploads/..%2F..%2Fsecret_key")]:
        c.case(f"access-path-traversal-{name}", "access", [step("GET", path, 404, "request.not_found",
                                                                headers=TUS)])
    cursor = lambda value: base64.urlsafe_b64encode(value).decode()  # noqa: E731
    for name, raw in [("garbage", b"\xff\xfe not json"), ("wrong-types", b'["2026-01-01T00:00:00+00:00", 5]'),
                      ("nested", b"[" * 60 + b"]" * 60), ("dict", b'{"a": 1, "b": 2}')]:
        c.case(f"access-cursor-{name}", "access", [step("GET", f"/api/inspections?cursor={cursor(raw)}", 400,
                                                        "sync.invalid_cursor")])
    c.case("access-cursor-overlong", "access", [step(
        "GET", f"/api/inspections?cursor={cursor(b'[' * 3000)}", 422, "request.validation")])


def build(out: Path | None) -> dict:
    """The manifest, its files written into `out` (nothing written when None)."""
    c = Corpus(out)
    s1, s2, files = _seed_records(c)
    seed_uploads = [{"inspection_uuid": s1["uuid"], "evidence_uuid": e["uuid"], "sha256": e["sha256"],
                     "file": e.pop("file")} for e in s1["evidence"]]
    _sync_cases(c, s1)
    _upload_cases(c, s1, s2, files)
    _session_cases(c, s1)
    return {
        "version": 1,
        "accounts": ACCOUNTS,
        "seed": {"as": "officer1", "records": [s1, s2], "uploads": seed_uploads},
        "append_only": ["audit_entries", "audit_checkpoints", "login_failures", "evidence_uploads"],
        "cases": c.cases,
    }


def case_names() -> list[str]:
    return [case["name"] for case in build(None)["cases"]]


def generate(out: Path = DEFAULT_OUT) -> Path:
    """Write the corpus into `out`; returns the manifest's path."""
    out = Path(out)
    path = out / "manifest.json"
    path.write_text(json.dumps(build(out), ensure_ascii=False, indent=1))
    return path


if __name__ == "__main__":
    print(generate(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT))
