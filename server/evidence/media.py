"""What a file really is, from its bytes: the accepted photo, audio and video types.

The name and the declared type are never trusted. `sniff` looks at the first bytes only (cheap,
used to refuse an upload early); `identify` confirms the type from the whole file where the
magic alone is ambiguous (MP3 and AAC frame sync, audio-only vs video MP4 and WebM). Body cameras
(执法记录仪) and voice recorders write MP4 (H.264 + AAC), M4A, AAC (ADTS), MP3, WAV and AMR.
"""
from __future__ import annotations

from pathlib import Path

from . import avinfo

SNIFF_BYTES = 4096

# media type -> (kind, file extension)
ACCEPTED = {
    "image/jpeg": ("photo", "jpg"),
    "image/png": ("photo", "png"),
    "image/webp": ("photo", "webp"),
    "image/heic": ("photo", "heic"),
    "audio/webm": ("audio", "weba"),
    "audio/ogg": ("audio", "ogg"),
    "audio/mp4": ("audio", "m4a"),
    "audio/wav": ("audio", "wav"),
    "audio/mpeg": ("audio", "mp3"),
    "audio/aac": ("audio", "aac"),  # ADTS stream: body cameras' and voice recorders' .aac
    "audio/amr": ("audio", "amr"),  # AMR-NB: voice recorders, older body cameras
    "audio/amr-wb": ("audio", "awb"),
    "video/mp4": ("video", "mp4"),
    "video/webm": ("video", "webm"),
}

HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
MP4_BRANDS = {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4A ",
              b"M4B ", b"M4V ", b"M4VP", b"dash", b"3gp4", b"3gp5", b"3gp6", b"3g2a", b"qt  ",
              b"MSNV", b"f4v ", b"mmp4"}


def kind_of(media_type: str) -> str:
    """photo, audio or video."""
    return ACCEPTED[media_type][0]


def extension_of(media_type: str) -> str:
    """The usual file extension of an accepted type (for download names)."""
    return ACCEPTED[media_type][1]


def _ftyp_brands(head: bytes) -> set[bytes]:
    size = int.from_bytes(head[0:4], "big")
    if size < 16 or size > len(head):
        size = min(len(head), 64)
    body = head[8:size]
    return {body[0:4]} | {body[i:i + 4] for i in range(8, len(body) - 3, 4)}


def _mp3_frame_header(head: bytes) -> bool:
    # MPEG audio frame sync (11 bits), layer III, a valid bitrate and sampling rate.
    return (len(head) >= 4 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0
            and (head[1] >> 1) & 0x03 == 0x01 and (head[2] >> 4) not in (0x0, 0xF)
            and (head[2] >> 2) & 0x03 != 0x03)


def _adts_header(head: bytes) -> bool:
    # ADTS frame sync (12 bits), MPEG layer 00, a valid sampling-frequency index.
    return (len(head) >= 7 and head[0] == 0xFF and (head[1] & 0xF6) == 0xF0
            and (head[2] >> 2) & 0x0F < 13)


def _after_id3(head: bytes) -> bytes:
    """The bytes after an ID3v2 tag (its size is four 7-bit bytes), as far as `head` holds them."""
    size = 10 + sum((b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(head[6:10]))
    return head[size:]


def sniff(head: bytes) -> str | None:
    """The accepted media type the first bytes announce, or None (then the file is refused)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[0:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[0:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[4:8] == b"ftyp":
        brands = _ftyp_brands(head)
        if head[8:12] in HEIF_BRANDS or (brands & {b"heic", b"heix"}):
            return "image/heic"
        if brands & MP4_BRANDS:
            return "audio/mp4" if head[8:12] in (b"M4A ", b"M4B ") else "video/mp4"
        return None
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm" if b"webm" in head[:64] else None
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"#!AMR\n"):
        return "audio/amr"
    if head.startswith(b"#!AMR-WB\n"):
        return "audio/amr-wb"
    if head.startswith(b"ID3"):  # a tag, then MP3 or AAC frames (a tag longer than head: MP3)
        return "audio/aac" if _adts_header(_after_id3(head)) else "audio/mpeg"
    if _mp3_frame_header(head):
        return "audio/mpeg"
    if _adts_header(head):
        return "audio/aac"
    return None


def identify(path: Path) -> str | None:
    """The accepted media type of the whole file, or None when it is not one."""
    with open(path, "rb") as f:
        head = f.read(SNIFF_BYTES)
    media_type = sniff(head)
    if media_type == "audio/mpeg" and not avinfo.looks_like_mp3(path):
        return "audio/aac" if head.startswith(b"ID3") and avinfo.looks_like_aac(path) else None
    if media_type == "audio/aac" and not avinfo.looks_like_aac(path):
        return None
    if media_type == "video/mp4":
        tracks = avinfo.mp4_track_kinds(path)
        if tracks and "video" not in tracks:
            return "audio/mp4"
    if media_type == "video/webm":
        tracks = avinfo.webm_track_kinds(path)
        if tracks and "video" not in tracks:
            return "audio/webm"
    return media_type
