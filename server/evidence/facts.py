"""Facts learnt from a file's bytes, and the flags a reviewer needs to see beside them."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PIL import UnidentifiedImageError

from . import avinfo, media, photos

# What Pillow raises on a damaged image (a bomb raises photos.ImageTooLarge, and a header of
# zero width or height photos.NotAnImage, before any of these).
DAMAGED = (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError)


@dataclass(frozen=True)
class FlagRules:
    """Tolerances before a flag is raised (from the EVIDENCE_* settings)."""

    clock_tolerance_minutes: int
    place_tolerance_m: int
    late_minutes: int

    @classmethod
    def from_config(cls, config) -> FlagRules:
        """The rules set by the EVIDENCE_* settings of an app's config."""
        return cls(config["EVIDENCE_CLOCK_TOLERANCE_MINUTES"], config["EVIDENCE_PLACE_TOLERANCE_M"],
                   config["EVIDENCE_LATE_MINUTES"])


# A flag keeps its numbers (minutes, metres) as values; its text says them in human units.
FLAG_TEXT = {
    "exif_time_differs": "照片 EXIF 拍摄时间与手机记录的拍摄时间相差约 {duration}。",
    "gps_far_from_place": "照片 GPS 位置距检查地点约 {distance}。",
    "captured_before_start": "拍摄时间早于检查开始时间约 {duration}。",
    "captured_after_end": "拍摄时间晚于检查结束时间约 {duration}。",
    "media_type_differs": "文件实际类型（{actual}）与检查记录登记的类型（{declared}）不一致。",
    "header_inconsistent": "文件头声明的长度与实际内容不符，时长按实际内容计算。",
    "media_unreadable": "文件无法完整解析（可能已损坏），原件已按原样保存。",
}


def _trim(number: float) -> str:
    return f"{number:.1f}".removesuffix(".0")


def duration_text(minutes: float) -> str:
    """A span of minutes as a person says it: 45 分钟, 5 小时 20 分钟, 3 天, 3 天 2 小时 (a span
    of days to the hour)."""
    whole = round(minutes)
    if whole < 60:
        return f"{whole} 分钟"
    if whole < 24 * 60:
        hours, rest = divmod(whole, 60)
        return f"{hours} 小时" + (f" {rest} 分钟" if rest else "")
    days, hours = divmod(round(minutes / 60), 24)
    return f"{days} 天" + (f" {hours} 小时" if hours else "")


def distance_text(metres: float) -> str:
    """A distance as a person says it: 850 米, 1.5 公里, 94 公里."""
    if metres < 1000:
        return f"{round(metres)} 米"
    if metres < 10_000:
        return f"{_trim(metres / 1000)} 公里"
    return f"{round(metres / 1000)} 公里"


def flag_detail(code: str, values: dict) -> str:
    """A flag's zh-CN text, made from its code and values (its minutes and metres in human units)."""
    words = dict(values)
    if "minutes" in values:
        words["duration"] = duration_text(values["minutes"])
    if "metres" in values:
        words["distance"] = distance_text(values["metres"])
    return FLAG_TEXT[code].format(**words)


def flag(code: str, **values) -> dict:
    """A flag as stored and shown: machine code, zh-CN text, and the values behind it."""
    return {"code": code, "detail": flag_detail(code, values), **values}


def learn(path: Path, media_type: str, max_pixels: int, decode) -> tuple[dict, dict[str, bytes], bool]:
    """(facts, derived images made now, whether the file has derived images) of a stored file;
    raises photos.ImageTooLarge for a bomb and photos.NotAnImage for a photo of zero width or
    height (both are refused). `decode(path, variants)` makes derived images (decoder.Decoder).

    A camera's JPEG is not decoded here: its facts come from its header, a cut-short file is
    found by its missing end marker, and its thumbnail is made after the answer (derived.py).
    Other photos (a PNG signature, WebP, HEIC) are small or rare: decoded now.
    """
    kind = media.kind_of(media_type)
    if kind != "photo":
        return avinfo.av_facts(path, media_type), {}, False
    # A truncated or damaged file is still exactly the bytes the phone hashed: kept, and flagged.
    try:
        facts = photos.photo_facts(path, max_pixels)
    except DAMAGED:
        return {"flags": ["media_unreadable"]}, {}, False
    facts["flags"] = []
    if media_type == "image/jpeg":
        if photos.jpeg_complete(path):
            return facts, {}, True
        facts["flags"].append("media_unreadable")
        return facts, {}, False
    try:
        return facts, decode(path, ("preview", "thumbnail")), True
    except DAMAGED:  # decoder.DecodeFailed is an OSError
        facts["flags"].append("media_unreadable")
        return facts, {}, False


def reviewer_flags(facts: dict, *, media_type: str, declared_type: str, captured_at: datetime,
                   started_at: datetime, finished_at: datetime, place: tuple | None,
                   rules: FlagRules) -> list[dict]:
    """Flags for a reviewer: times and places that do not fit the inspection."""
    flags = [flag(code) for code in facts.get("flags", [])]
    if declared_type.split(";")[0].strip().lower() != media_type:
        flags.append(flag("media_type_differs", actual=media_type, declared=declared_type[:64]))
    taken = facts.get("exif_taken_at")
    if taken is not None:
        minutes = abs((taken - captured_at).total_seconds()) / 60
        if minutes > rules.clock_tolerance_minutes:
            flags.append(flag("exif_time_differs", minutes=round(minutes)))
    lat, lon = facts.get("gps_latitude"), facts.get("gps_longitude")
    if place and None not in place and lat is not None and lon is not None:
        metres = distance_m(lat, lon, *place)
        if metres > rules.place_tolerance_m:
            flags.append(flag("gps_far_from_place", metres=round(metres)))
    early = (started_at - captured_at).total_seconds() / 60
    if early > rules.clock_tolerance_minutes:
        flags.append(flag("captured_before_start", minutes=round(early)))
    late = (captured_at - finished_at).total_seconds() / 60
    if late > rules.late_minutes:
        flags.append(flag("captured_after_end", minutes=round(late)))
    return flags


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(min(1.0, a)))
