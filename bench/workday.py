"""One officer's day of work as the phone holds it at shift change: 20 road-patrol inspections
(公路路政巡查) and the evidence their answers name, with bytes made on demand.

The forms decide the files: every inspection needs a scene photo and three signatures (both
officers', the party's), so a day is 20 photos of 2–4 MB (a 12-megapixel JPEG with EXIF time
and GPS, padded like a phone's motion-photo trailer), 60 signature PNGs and 2 recordings. No
form has an audio item; the only recording item (`recording_clips`) takes video, so the two
clips are MP4 files of 1–2 MB. Bytes are rebuilt from a spec when uploaded, so N officers' days
do not sit in memory; every file differs (the evidence store is content-addressed).
"""
from __future__ import annotations

import hashlib
import io
import random
import struct
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

from PIL import Image, ImageDraw

from testing.media import EXIF_IFD, GPS_IFD, _dms, mp4
from testing.records import SHANGHAI

INSPECTIONS = 20
CLIPS = 2
PHOTO_BYTES = (2_000_000, 4_000_000)
CLIP_BYTES = (1_000_000, 2_000_000)
HAIYAN = (30.5257, 120.9431)
MIB = 1024 * 1024


@dataclass
class File:
    """One evidence file: what the record lists, and how to rebuild its bytes."""

    uuid: str
    item_id: str
    media_type: str
    captured_at: datetime
    kind: str  # photo, signature, clip
    size: int = 0
    sha256: str = ""
    params: dict = field(default_factory=dict)

    def listed(self) -> dict:
        return {"uuid": self.uuid, "item_id": self.item_id, "sha256": self.sha256,
                "size": self.size, "media_type": self.media_type,
                "captured_at": self.captured_at.isoformat()}

    def data(self) -> bytes:
        return {"photo": _photo, "signature": _signature, "clip": _clip}[self.kind](self)


@dataclass
class Day:
    officer: str
    records: list[dict]
    files: dict[str, list[File]]  # by record UUID, in upload order

    @property
    def evidence_bytes(self) -> int:
        return sum(f.size for files in self.files.values() for f in files)


@cache
def _pool() -> bytes:
    """High-entropy padding shared by every file (slices differ; a per-file header makes it unique)."""
    return random.Random(20261126).randbytes(4 * MIB)


@cache
def _base_jpeg() -> bytes:
    """A 4000×3000 JPEG without EXIF: the pixels every photo shares (decoded for previews)."""
    image = Image.linear_gradient("L").resize((4000, 3000)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for x in range(0, 4000, 250):
        draw.rectangle((x, 1200, x + 60, 1800), fill=(200, 60, 40))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


@cache
def _base_png() -> bytes:
    image = Image.new("L", (600, 200), 255)
    draw = ImageDraw.Draw(image)
    draw.line([(40, 150), (120, 40), (200, 160), (300, 60), (420, 140), (560, 70)], fill=0, width=5)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _photo(f: File) -> bytes:
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "HUAWEI", "P40"
    local = f.captured_at.astimezone(SHANGHAI)
    exif.get_ifd(EXIF_IFD)[0x9003] = local.strftime("%Y:%m:%d %H:%M:%S")
    exif.get_ifd(EXIF_IFD)[0x9011] = "+08:00"
    exif.get_ifd(EXIF_IFD)[0xA420] = f.uuid.replace("-", "")  # ImageUniqueID
    lat, lon = f.params["gps"]
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2], gps[3], gps[4] = "N", _dms(lat), "E", _dms(lon)
    app1 = exif.tobytes()
    head = b"\xff\xd8\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + _base_jpeg()[2:]
    return head + _padding(f, len(head))


def _signature(f: File) -> bytes:
    text = b"Comment\x00" + f.uuid.encode()
    chunk = struct.pack(">I", len(text)) + b"tEXt" + text + struct.pack(">I", zlib.crc32(b"tEXt" + text))
    base = _base_png()
    return base[:-12] + chunk + base[-12:]  # before IEND


def _clip(f: File) -> bytes:
    head = mp4(video=True, seconds=f.params["seconds"])
    head = head[:head.rindex(b"mdat") - 4]  # the sample's own small mdat box goes
    payload = f.uuid.encode() + _padding(f, len(head) + 8 + 36)
    return head + struct.pack(">I", 8 + len(payload)) + b"mdat" + payload


def _padding(f: File, used: int) -> bytes:
    need = max(0, f.size - used)
    start = f.params["offset"] % (len(_pool()) - need + 1)
    return _pool()[start:start + need]


def _finish(f: File, rng: random.Random, size_range: tuple[int, int] | None) -> File:
    """Fix the size (the target size for padded kinds) and the SHA-256 the record lists."""
    if size_range:
        f.size = rng.randint(*size_range)
        f.params["offset"] = rng.randrange(len(_pool()))
    data = f.data()
    f.size, f.sha256 = len(data), hashlib.sha256(data).hexdigest()
    return f


def make_day(officer: str, partner: str, index: int, now: datetime | None = None) -> Day:
    """`officer`'s 20 inspections with `partner`, the last finished an hour before `now`."""
    rng = random.Random(index)
    now = (now or datetime.now(SHANGHAI)).astimezone(SHANGHAI)
    first = now - timedelta(hours=9)
    records, files = [], {}
    for n in range(INSPECTIONS):
        started = first + timedelta(minutes=25 * n)
        place = (HAIYAN[0] + rng.uniform(-0.02, 0.02), HAIYAN[1] + rng.uniform(-0.02, 0.02))

        def new(item_id, media_type, kind, minutes, *, started=started, **params):
            return File(str(uuid.uuid4()), item_id, media_type, started + timedelta(minutes=minutes),
                        kind, params=params)

        photo = _finish(new("scene_photos", "image/jpeg", "photo", 5, gps=place), rng, PHOTO_BYTES)
        signatures = {name: _finish(new(name, "image/png", "signature", 18), rng, None)
                      for name in ("subject_signature", "officer1_signature", "officer2_signature")}
        clips = [_finish(new("recording_clips", "video/mp4", "clip", 1, seconds=rng.randint(60, 180)),
                         rng, CLIP_BYTES)] if n < CLIPS else []
        record = _patrol_record(officer, partner, n, started, place, photo, signatures, clips)
        records.append(record)
        files[record["uuid"]] = [photo, *clips, *signatures.values()]
    return Day(officer, records, files)


def _patrol_record(officer, partner, n, started, place, photo, signatures, clips) -> dict:
    answers = {
        "identity_shown": "yes", "persons_present": "施工单位现场负责人 钱工 13800000000",
        "recording": "phone" if clips else "none", "scene_photos": [photo.uuid],
        "road_code": "S101", "stake": f"K{12 + n}+400", "direction": "up",
        "patrol_started": started.isoformat(), "party": "不明",
        "no_occupation": {"result": "pass"}, "no_control_zone_building": {"result": "pass"},
        "no_unauthorised_signs": {"result": "pass"}, "no_spillage": {"result": "pass"},
        "facilities_intact": {"result": "pass"},
        "rights_informed": "yes", "subject_statement": "无", "subject_signs": "signed",
        **{name: f.uuid for name, f in signatures.items()},
    }
    if clips:
        answers["recording_clips"] = [c.uuid for c in clips]
    else:
        answers["no_recording_reason"] = "路段巡查，未发现违法行为"
    return {
        "uuid": str(uuid.uuid4()), "form_id": "road-patrol", "form_version": 1,
        "officers": [officer, partner],
        "subject": {"kind": "site", "name": f"S101 K{12 + n}+400", "code": None,
                    "description": "巡查路段"},
        "place": {"latitude": place[0], "longitude": place[1], "accuracy_m": 6.0,
                  "address": "浙江省嘉兴市海盐县 S101 省道"},
        "started_at": started.isoformat(), "finished_at": (started + timedelta(minutes=20)).isoformat(),
        "answers": answers,
        "evidence": [f.listed() for f in [photo, *clips, *signatures.values()]],
        "device_id": f"bench-phone-{officer}", "app_version": "1.0.0",
    }
