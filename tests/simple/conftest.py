"""Simple-procedure fixtures: a phone's number block and on-the-spot decisions as the PWA sends
them (signatures are real PNGs made by Pillow, with their SHA-256)."""
from __future__ import annotations

import base64
import hashlib
import io
import uuid
from datetime import datetime

import pytest

from testing.records import SHANGHAI

DEVICE = "pwa-test-phone-1"


def signature_png(text: str) -> dict:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (300, 120), "white")
    ImageDraw.Draw(image).line((10, 100, 150, 20, 290, 90), fill="black", width=4)
    ImageDraw.Draw(image).text((20, 20), text, fill="black")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    data = buffer.getvalue()
    return {"sha256": hashlib.sha256(data).hexdigest(), "png": base64.b64encode(data).decode()}


def decision(block: dict, serial: int | None = None, *, facts=None, party_kind="organisation",
             penalty=None, officers=("officer1", "officer2"), inspection_uuid=None, item_id=None,
             device_id=DEVICE) -> dict:
    """An on-the-spot decision as the phone sends it (default: an organisation, 1,500 kg over:
    a fine of 500 yuan, the benchmark's)."""
    return {
        "uuid": str(uuid.uuid4()), "device_id": device_id,
        "number": {"block": block["uuid"], "year": block["year"],
                   "serial": serial if serial is not None else block["first_serial"]},
        "inspection_uuid": inspection_uuid, "item_id": item_id,
        "violation": "overload.gross_mass", "facts": facts or {"excess_mass": 1500},
        "party_kind": party_kind, "party_name": "海盐某某运输有限公司", "party_code": "91330424MA2B000000",
        "place": "G320 国道海盐检测站", "decided_at": datetime.now(SHANGHAI).isoformat(),
        "penalty": penalty or {"types": ["fine"], "amount": 500},
        "officers": list(officers),
        "signatures": [{"signer": "party", **signature_png("party")}] +
                      [{"signer": o, **signature_png(o)} for o in officers],
        "app_version": "test",
    }


@pytest.fixture
def block(login_as):
    """Factory: officer1's phone reserves a block (answer as JSON)."""
    def make(client=None, size=5, device_id=DEVICE) -> dict:
        client = client or login_as("officer1")
        answer = client.post(f"/api/devices/{device_id}/number-blocks", json={"size": size})
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()
    return make


def sync(client, *decisions) -> list[dict]:
    answer = client.post("/api/simple-decisions/sync", json={
        "device_time": datetime.now(SHANGHAI).isoformat(), "decisions": list(decisions)})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["results"]
