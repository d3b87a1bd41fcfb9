"""Records as a phone sends them: a valid overload inspection with its evidence list."""
from __future__ import annotations

import hashlib
import os
import time
import uuid
from datetime import datetime, timedelta, timezone

SHANGHAI = timezone(timedelta(hours=8))


def uuid7() -> uuid.UUID:
    """A new UUID, version 7 (RFC 9562), as the PWA makes them (static/pwa/js/dom.js, newUuid):
    the time in milliseconds in its first 48 bits, then version, variant and 74 random bits."""
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10), "big") & ((1 << 80) - 1)
    value = value & ~(0xF << 76) | 0x7 << 76  # version 7
    value = value & ~(0x3 << 62) | 0x2 << 62  # variant 10
    return uuid.UUID(int=value)


def evidence_entry(item_id: str, media_type: str = "image/jpeg", content: bytes | None = None,
                   captured_at: datetime | None = None) -> dict:
    content = content if content is not None else uuid.uuid4().bytes * 64
    return {"uuid": str(uuid7()), "item_id": item_id,
            "sha256": hashlib.sha256(content).hexdigest(), "size": len(content),
            "media_type": media_type,
            "captured_at": (captured_at or datetime.now(SHANGHAI) - timedelta(minutes=30)).isoformat()}


def overload_record(officers=("officer1", "officer2"), *, started_at: datetime | None = None,
                    plate: str = "浙F12345", measured_mass: float = 17000, **overrides) -> dict:
    """A complete, valid 公路超限超载检查 of a two-axle truck within its limit."""
    started = started_at or datetime.now(SHANGHAI) - timedelta(hours=1)
    photos = {name: evidence_entry(name) for name in ("scene_photos", "vehicle_photos", "weighing_ticket")}
    second_vehicle_photo = evidence_entry("vehicle_photos")
    signatures = {name: evidence_entry(name, "image/png")
                  for name in ("subject_signature", "officer1_signature", "officer2_signature")}
    answers = {
        "identity_shown": "yes", "persons_present": "驾驶员本人", "recording": "none",
        "no_recording_reason": "执法记录仪电量耗尽", "scene_photos": [photos["scene_photos"]["uuid"]],
        "plate": plate, "vehicle_photos": [photos["vehicle_photos"]["uuid"], second_vehicle_photo["uuid"]],
        "driver_name": "赵师傅", "driver_licence": "330424198001010011", "owner": "海盐某运输有限公司",
        "cargo": "钢材", "permit_held": "no", "vehicle_type": "truck_2",
        "axles": [{"axle_group": "single_single_tyre", "axle_mass": 7000},
                  {"axle_group": "single_dual_tyre", "axle_mass": measured_mass - 7000}],
        "measured_mass": measured_mass, "weighing_ticket": [photos["weighing_ticket"]["uuid"]],
        "within_limit": {"result": "pass"},
        "rights_informed": "yes", "subject_statement": "无", "subject_signs": "signed",
        "subject_signature": signatures["subject_signature"]["uuid"],
        "officer1_signature": signatures["officer1_signature"]["uuid"],
        "officer2_signature": signatures["officer2_signature"]["uuid"],
    }
    record = {
        "uuid": str(uuid7()), "form_id": "overload", "form_version": 1,
        "officers": list(officers),
        "subject": {"kind": "vehicle", "name": plate, "code": None, "description": "重型栏板货车"},
        "place": {"latitude": 30.5257, "longitude": 120.9431, "accuracy_m": 8.5,
                  "address": "浙江省嘉兴市海盐县 S13 沪杭高速连接线海盐收费站"},
        "started_at": started.isoformat(), "finished_at": (started + timedelta(minutes=25)).isoformat(),
        "answers": answers,
        "evidence": [*photos.values(), second_vehicle_photo, *signatures.values()],
        "device_id": "device-test-1", "app_version": "1.0.0",
    }
    record.update(overrides)
    return record


def sync_body(*records, device_time: datetime | None = None) -> dict:
    return {"device_time": (device_time or datetime.now(SHANGHAI)).isoformat(), "records": list(records)}
