"""The files a body camera (执法记录仪) or a voice recorder exports are accepted as evidence of a
recording item: MP4 (H.264 + AAC), M4A, AAC (ADTS, with or without an ID3 tag), MP3, WAV, AMR and
WebM/Opus — recognised from their bytes, with their duration and codec. The files are made in the
test (ffmpeg, or Python for AMR); nothing binary is committed."""
from __future__ import annotations

import pytest

from server.evidence import avinfo, media
from server.evidence.models import EvidenceFile
from server.extensions import db

from . import samples

FFMPEG = {  # sample -> (type recognised, kind, codec)
    "mp4-h264-aac": ("video/mp4", "video", "avc1,mp4a"),
    "m4a-aac": ("audio/mp4", "audio", "mp4a"),
    "aac-adts": ("audio/aac", "audio", "aac"),
    "aac-adts-id3": ("audio/aac", "audio", "aac"),
    "mp3-lame": ("audio/mpeg", "audio", "mp3"),
    "wav-pcm": ("audio/wav", "audio", "pcm"),
    "webm-opus": ("audio/webm", "audio", "A_OPUS"),
    "webm-vp8-opus": ("video/webm", "video", "V_VP8,A_OPUS"),
}
MADE = [(name, lambda folder, name=name: samples.ffmpeg_sample(name, folder), *facts)
        for name, facts in FFMPEG.items()] + [
    ("amr-nb", lambda folder: samples.amr(2.0), "audio/amr", "audio", "amr-nb"),
    ("amr-wb", lambda folder: samples.amr(2.0, wide=True, frame_type=8), "audio/amr-wb", "audio", "amr-wb"),
]


@pytest.mark.parametrize("name, make, media_type, kind, codec", MADE, ids=[m[0] for m in MADE])
def test_a_body_camera_file_is_recognised_with_its_duration(
        create_inspection, tus_as, login_as, tmp_path, name, make, media_type, kind, codec):
    data = make(tmp_path)
    record = create_inspection((data, media_type))
    listed = record.evidence[0]
    assert tus_as("officer1").upload(record, listed, chunk=max(1, len(data) // 3)).status_code == 204
    file = db.session.get(EvidenceFile, listed.uuid)
    assert (file.media_type, file.kind, file.codec) == (media_type, kind, codec)
    assert 1.9 <= file.duration_s <= 2.2
    assert file.flags == []
    r = login_as("officer2").get(f"/api/evidence/{listed.uuid}/original")
    assert r.headers["Content-Type"] == media_type and r.data == data


def test_a_truncated_amr_is_kept_and_flagged(create_inspection, tus_as):
    data = samples.amr(1.0)[:-7]
    record = create_inspection((data, "audio/amr"))
    listed = record.evidence[0]
    assert tus_as("officer1").upload(record, listed).status_code == 204
    file = db.session.get(EvidenceFile, listed.uuid)
    assert file.duration_s == 0.98 and [f["code"] for f in file.flags] == ["media_unreadable"]


def test_a_very_long_amr_is_estimated_past_the_frame_budget(tmp_path, monkeypatch):
    path = tmp_path / "long.amr"
    path.write_bytes(samples.amr(30.0))
    monkeypatch.setattr(avinfo, "MAX_AMR_FRAMES", 100)
    assert avinfo.amr_facts(path)["duration_s"] == 30.0


@pytest.mark.parametrize("head", [b"\xff\xf1" + b"\xff" * 10, b"#!AMR" + b"\x00" * 10, b"ID3\x04" + b"\x00" * 20])
def test_near_misses_of_the_new_magics_are_not_taken_for_audio(tmp_path, head):
    path = tmp_path / "odd.bin"
    path.write_bytes(head)
    assert media.identify(path) is None
