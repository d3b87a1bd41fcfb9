"""Duration and codec of audio and video files, read from their headers without decoding.

mutagen (pure Python, maintained) reads MP3, AAC (ADTS), Ogg, WAV and MP4 audio; MP4 video and
WebM are walked here box by box / element by element, seeking past payloads, so a multi-GB video
costs a few reads; AMR is counted frame by frame (20 ms each). Header values are never trusted to
size a read or an allocation.
"""
from __future__ import annotations

import struct
from pathlib import Path

import mutagen
from mutagen.aac import AAC
from mutagen.mp3 import MP3

MAX_NODES = 20_000  # boxes or elements visited per file: a hostile file cannot make us loop
MAX_AMR_FRAMES = 1_800_000  # AMR frames counted one by one (10 hours); the rest is estimated


def looks_like_mp3(path: Path) -> bool:
    """True when mutagen finds real MPEG audio frames (not just a lucky first byte pair)."""
    try:
        return MP3(path).info.length > 0
    except Exception:  # mutagen raises many kinds on garbage
        return False


def looks_like_aac(path: Path) -> bool:
    """True when mutagen finds a stream of ADTS frames."""
    try:
        return AAC(path).info.length > 0
    except Exception:  # mutagen raises many kinds on garbage
        return False


def av_facts(path: Path, media_type: str) -> dict:
    """{"duration_s", "codec", "flags"} of an audio or video file, as far as its headers tell."""
    facts: dict = {"duration_s": None, "codec": None, "flags": []}

    def merge(extra: dict) -> None:
        facts["flags"] += extra.pop("flags", [])
        facts.update({k: v for k, v in extra.items() if v is not None})

    if media_type in ("video/mp4", "audio/mp4"):
        merge(mp4_facts(path))
    elif media_type in ("video/webm", "audio/webm"):
        merge(webm_facts(path))
    elif media_type in ("audio/amr", "audio/amr-wb"):
        merge(amr_facts(path, wide=media_type == "audio/amr-wb"))
    if media_type in ("audio/mpeg", "audio/ogg", "audio/wav", "audio/mp4", "audio/aac"):
        try:
            info = (AAC(path) if media_type == "audio/aac" else mutagen.File(path)).info
            merge({"duration_s": facts["duration_s"] or round(float(info.length), 3),
                   "codec": facts["codec"] or getattr(info, "codec", None) or _codec_name(info)})
        except Exception:  # mutagen raises many kinds on garbage
            if facts["duration_s"] is None:
                facts["flags"].append("media_unreadable")
    if media_type == "audio/wav" and (wav := _wav_consistency(path)):
        facts["flags"] += wav["flags"]
        facts["duration_s"] = wav["duration_s"]  # from the bytes present, not the header
    return facts


_CODECS = {"WaveStreamInfo": "pcm", "MPEGInfo": "mp3", "AACInfo": "aac", "OggOpusInfo": "opus",
           "OggVorbisInfo": "vorbis", "OggFLACInfo": "flac", "OggSpeexInfo": "speex"}


def _codec_name(info) -> str:
    return _CODECS.get(type(info).__name__, type(info).__name__.removesuffix("Info").lower())


def _wav_consistency(path: Path) -> dict:
    """A WAV header may claim more data than the file holds (e.g. 4 GB): trust the file."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        header = f.read(44)
    riff_size = struct.unpack("<I", header[4:8])[0]
    if riff_size + 8 <= size:
        return {}
    duration = None
    if len(header) >= 36 and header[12:16] == b"fmt ":
        byte_rate = struct.unpack("<I", header[28:32])[0]
        duration = round(max(0, size - 44) / byte_rate, 3) if byte_rate else None
    return {"duration_s": duration, "flags": ["header_inconsistent"]}


# --- AMR (RFC 4867 storage format) --------------------------------------------------------------

# Bytes of a frame (header byte included) by frame type; 20 ms of speech per frame.
AMR_NB_FRAME = {0: 13, 1: 14, 2: 16, 3: 18, 4: 20, 5: 21, 6: 27, 7: 32, 8: 6, 15: 1}
AMR_WB_FRAME = {0: 18, 1: 24, 2: 33, 3: 37, 4: 41, 5: 47, 6: 51, 7: 59, 8: 61, 9: 6, 14: 1, 15: 1}


def amr_facts(path: Path, wide: bool = False) -> dict:
    """Duration from the frames present (a damaged frame ends the count and flags the file).
    Past MAX_AMR_FRAMES (10 hours) the rest is estimated from the mean frame size so far."""
    sizes, magic = (AMR_WB_FRAME, b"#!AMR-WB\n") if wide else (AMR_NB_FRAME, b"#!AMR\n")
    frames, flags, counted = 0, [], 0
    with open(path, "rb") as f:
        total = f.seek(0, 2) - len(magic)
        f.seek(len(magic))
        data, pos = b"", 0
        while frames < MAX_AMR_FRAMES:
            if pos >= len(data):
                data, pos = data[pos:] + f.read(65536), 0
                if not data:
                    break
            size = sizes.get((data[pos] >> 3) & 0x0F)
            if size is None:
                flags.append("media_unreadable")
                break
            if pos + size > len(data):
                more = f.read(65536)
                if not more:
                    flags.append("media_unreadable")  # the last frame is cut short
                    break
                data, pos = data[pos:] + more, 0
                continue
            frames, pos, counted = frames + 1, pos + size, counted + size
    if frames >= MAX_AMR_FRAMES and counted:
        frames = round(frames * total / counted)
    return {"duration_s": round(frames * 0.02, 3) if frames else None,
            "codec": "amr-wb" if wide else "amr-nb", "flags": flags}


# --- MP4 (ISO base media) ---------------------------------------------------------------------

def _boxes(f, start: int, end: int, budget: list[int]):
    """(type, payload start, payload end) of the boxes between start and end."""
    pos = start
    while pos + 8 <= end and budget[0] > 0:
        budget[0] -= 1
        f.seek(pos)
        header = f.read(16)
        if len(header) < 8:
            return
        size, kind = struct.unpack(">I4s", header[:8])
        body = pos + 8
        if size == 1 and len(header) == 16:
            size = struct.unpack(">Q", header[8:16])[0]
            body = pos + 16
        elif size == 0:
            size = end - pos
        if size < body - pos or pos + size > end:
            return
        yield kind, body, pos + size
        pos += size


def _child(f, start, end, kind, budget):
    return next(((s, e) for k, s, e in _boxes(f, start, end, budget) if k == kind), None)


def _mp4_walk(path: Path) -> dict:
    budget = [MAX_NODES]
    result = {"tracks": [], "duration_s": None, "codecs": []}
    with open(path, "rb") as f:
        end = f.seek(0, 2)
        moov = _child(f, 0, end, b"moov", budget)
        if moov is None:
            return result
        for kind, start, stop in list(_boxes(f, *moov, budget)):
            if kind == b"mvhd":
                f.seek(start)
                data = f.read(32)
                if data[:1] == b"\x01" and len(data) >= 32:
                    scale, duration = struct.unpack(">IQ", data[20:32])
                elif len(data) >= 20:
                    scale, duration = struct.unpack(">II", data[12:20])
                else:
                    continue
                if scale:
                    result["duration_s"] = round(duration / scale, 3)
            elif kind == b"trak":
                mdia = _child(f, start, stop, b"mdia", budget)
                hdlr = mdia and _child(f, *mdia, b"hdlr", budget)
                if not hdlr:
                    continue
                f.seek(hdlr[0] + 8)
                handler = f.read(4)
                result["tracks"].append({b"vide": "video", b"soun": "audio"}.get(handler, "other"))
                minf = _child(f, *mdia, b"minf", budget)
                stbl = minf and _child(f, *minf, b"stbl", budget)
                stsd = stbl and _child(f, *stbl, b"stsd", budget)
                if stsd:
                    f.seek(stsd[0] + 12)
                    codec = f.read(4).decode("latin-1").strip()
                    if codec.isprintable():
                        result["codecs"].append(codec)
    return result


def mp4_track_kinds(path: Path) -> list[str]:
    """"video" / "audio" per track of an MP4 file (empty when unreadable)."""
    try:
        return _mp4_walk(path)["tracks"]
    except (OSError, struct.error):
        return []


def mp4_facts(path: Path) -> dict:
    """Duration from the movie header and the codecs of the tracks."""
    try:
        walk = _mp4_walk(path)
    except (OSError, struct.error):
        return {"flags": ["media_unreadable"]}
    return {"duration_s": walk["duration_s"], "codec": ",".join(walk["codecs"]) or None}


# --- WebM (Matroska / EBML) --------------------------------------------------------------------

SEGMENT, INFO, TRACKS, TRACK_ENTRY, CLUSTER = 0x18538067, 0x1549A966, 0x1654AE6B, 0xAE, 0x1F43B675
TIMECODE_SCALE, DURATION, TRACK_TYPE, CODEC_ID = 0x2AD7B1, 0x4489, 0x83, 0x86


def _vint(f, keep_marker: bool):
    first = f.read(1)
    if not first:
        return None, 0
    length = 8 - first[0].bit_length() + 1
    if length > 8:
        return None, 0
    value = first[0] if keep_marker else first[0] & (0xFF >> length)
    rest = f.read(length - 1)
    for byte in rest:
        value = (value << 8) | byte
    unknown = not keep_marker and value == (1 << (7 * length)) - 1
    return (-1 if unknown else value), length


def _elements(f, start: int, end: int, budget: list[int]):
    pos = start
    while pos < end and budget[0] > 0:
        budget[0] -= 1
        f.seek(pos)
        ident, id_len = _vint(f, keep_marker=True)
        size, size_len = _vint(f, keep_marker=False)
        if ident is None or size is None:
            return
        body = pos + id_len + size_len
        stop = end if size == -1 else min(body + size, end)
        yield ident, body, stop
        if ident == CLUSTER:
            return  # tracks and info come before the media data
        pos = stop


def _webm_walk(path: Path) -> dict:
    budget = [MAX_NODES]
    found = {"tracks": [], "codecs": [], "scale": 1_000_000, "duration": None}
    with open(path, "rb") as f:
        end = f.seek(0, 2)
        for ident, start, stop in _elements(f, 0, end, budget):
            if ident != SEGMENT:
                continue
            for child, c_start, c_stop in _elements(f, start, stop, budget):
                if child == INFO:
                    for item, i_start, i_stop in _elements(f, c_start, c_stop, budget):
                        f.seek(i_start)
                        raw = f.read(min(i_stop - i_start, 8))
                        if item == TIMECODE_SCALE and raw:
                            found["scale"] = int.from_bytes(raw, "big")
                        elif item == DURATION and len(raw) in (4, 8):
                            found["duration"] = struct.unpack(">f" if len(raw) == 4 else ">d", raw)[0]
                elif child == TRACKS:
                    for entry, e_start, e_stop in _elements(f, c_start, c_stop, budget):
                        if entry == TRACK_ENTRY:
                            _webm_track(f, e_start, e_stop, budget, found)
    return found


def _webm_track(f, start, stop, budget, found) -> None:
    for item, i_start, i_stop in _elements(f, start, stop, budget):
        f.seek(i_start)
        raw = f.read(min(i_stop - i_start, 32))
        if item == TRACK_TYPE and raw:
            found["tracks"].append({1: "video", 2: "audio"}.get(int.from_bytes(raw, "big"), "other"))
        elif item == CODEC_ID:
            found["codecs"].append(raw.decode("ascii", "replace"))


def webm_track_kinds(path: Path) -> list[str]:
    """"video" / "audio" per track of a WebM file (empty when unreadable)."""
    try:
        return _webm_walk(path)["tracks"]
    except (OSError, struct.error):
        return []


def webm_facts(path: Path) -> dict:
    """Duration (when the recorder wrote one) and the codec ids of the tracks."""
    try:
        walk = _webm_walk(path)
    except (OSError, struct.error):
        return {"flags": ["media_unreadable"]}
    duration = walk["duration"]
    seconds = round(duration * walk["scale"] / 1e9, 3) if duration and duration > 0 else None
    return {"duration_s": seconds, "codec": ",".join(walk["codecs"]) or None}
