"""Time: stored in UTC with its zone, shown in Asia/Shanghai (the bureau's local time)."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

LOCAL_ZONE = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def local_today() -> date:
    """Today's date in the bureau's zone (certificates expire at local midnight)."""
    return datetime.now(LOCAL_ZONE).date()


def to_local(moment: datetime) -> datetime:
    return moment.astimezone(LOCAL_ZONE)


def utc_iso(moment: datetime) -> str:
    """moment.astimezone(timezone.utc).isoformat(), remembered for the same datetime object.

    A synced record's times (started, finished, received, each file's capture) are each written
    as UTC text twice: in the record's audit facts (ISO 8601) and in their SQLite column
    (`utc_sqlite_text`), about 2.5 µs each here. The second is made from the first. Remembered by
    the object's identity, not its value: hashing an aware time costs 0.8 µs, and times of one
    zone that differ only in `fold` are equal yet an hour apart. The object is kept with its
    text, so its id is not reused meanwhile; at most _UTC_TEXTS_KEPT are kept, then forgotten
    at once."""
    key = id(moment)
    kept = _utc_texts.get(key)
    if kept is not None and kept[0] is moment:
        return kept[1]
    text = moment.astimezone(timezone.utc).isoformat()
    if len(_utc_texts) >= _UTC_TEXTS_KEPT:
        _utc_texts.clear()
    _utc_texts[key] = (moment, text)
    return text


def utc_sqlite_text(moment: datetime) -> str:
    """An aware time as SQLAlchemy's SQLite DATETIME writes it in UTC: "YYYY-MM-DD
    HH:MM:SS.ffffff" (always six digits), from `utc_iso`'s text ("YYYY-MM-DDTHH:MM:SS+00:00",
    with ".ffffff" before the offset unless the microseconds are 0)."""
    iso = utc_iso(moment)
    return f"{iso[:10]} {iso[11:26]}" if len(iso) == 32 else f"{iso[:10]} {iso[11:19]}.000000"


_utc_texts: dict[int, tuple[datetime, str]] = {}
_UTC_TEXTS_KEPT = 4096
