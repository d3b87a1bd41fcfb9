"""Photos: dimensions and EXIF facts, and the derived thumbnail and preview.

Pillow reads only the header to learn the size, so a decompression bomb is refused before a pixel
is decoded: our own cap (EVIDENCE_MAX_PIXELS) first, Pillow's guard behind it. A header that declares
zero width or height is NotAnImage: refused, not kept as damaged. Derived images are
made from a JPEG decoded at reduced scale (draft mode: libjpeg's DCT scaling, 1/8 for a thumbnail,
1/2 for a preview of a 12 MP photo), turned upright by the EXIF orientation, and saved without any
metadata (no GPS leaks into a thumbnail). Pixels are decoded only in the decoding child process
(decoder.py), never in a web worker; the worker reads headers and, for a JPEG, checks that its
scans end (`jpeg_complete`) so that a truncated photo is flagged when it arrives.
"""
from __future__ import annotations

import io
import mmap
import re
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pillow_heif
from PIL import Image, ImageOps, UnidentifiedImageError

from ..clock import LOCAL_ZONE

pillow_heif.register_heif_opener()

THUMBNAIL_PX = 320
PREVIEW_PX = 1280
EXIF_IFD, GPS_IFD = 0x8769, 0x8825
MAKE, MODEL, ORIENTATION, DATETIME = 0x010F, 0x0110, 0x0112, 0x0132
DATETIME_ORIGINAL, OFFSET_TIME_ORIGINAL = 0x9003, 0x9011
_OFFSET = re.compile(r"^[+-]\d{2}:\d{2}$")


class ImageTooLarge(Exception):
    """The image has more pixels than we agree to decode."""


class NotAnImage(Exception):
    """The file has an image's magic bytes, but its header declares zero width or height: unlike
    a truncated or damaged photo (kept as sent, flagged), there is nothing to look at."""


def _open_checked(path: Path, max_pixels: int) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLarge(str(exc)) from exc
    except UnidentifiedImageError as exc:
        if _png_declares_no_pixels(path):  # Pillow refuses a zero-size PNG header before we see it
            raise NotAnImage("PNG header of zero width or height") from exc
        raise
    width, height = image.size
    if width <= 0 or height <= 0:
        image.close()
        raise NotAnImage(f"{width}x{height} pixels")
    if width * height > max_pixels:
        image.close()
        raise ImageTooLarge(f"{width}x{height} pixels, more than {max_pixels}")
    return image


def _png_declares_no_pixels(path: Path) -> bool:
    with open(path, "rb") as f:
        head = f.read(24)
    if not head.startswith(b"\x89PNG\r\n\x1a\n") or head[12:16] != b"IHDR":
        return False
    return int.from_bytes(head[16:20], "big") == 0 or int.from_bytes(head[20:24], "big") == 0


def photo_facts(path: Path, max_pixels: int) -> dict:
    """Size, orientation, device, EXIF capture time (UTC and offset) and GPS, from the header."""
    with _open_checked(path, max_pixels) as image:
        exif = image.getexif()
        facts = {"width": image.width, "height": image.height}
        orientation = exif.get(ORIENTATION)
        facts["orientation"] = orientation if orientation in range(1, 9) else None
        facts["device_make"] = _text(exif.get(MAKE))
        facts["device_model"] = _text(exif.get(MODEL))
        details = exif.get_ifd(EXIF_IFD)
        taken = details.get(DATETIME_ORIGINAL) or exif.get(DATETIME)
        offset = _text(details.get(OFFSET_TIME_ORIGINAL))
        facts["exif_offset"] = offset if offset and _OFFSET.match(offset) else None
        facts["exif_taken_at"] = _exif_time(taken, facts["exif_offset"])
        facts["gps_latitude"], facts["gps_longitude"] = _gps(exif.get_ifd(GPS_IFD))
    return facts


VARIANT_PX = {"thumbnail": THUMBNAIL_PX, "preview": PREVIEW_PX}
# A thumbnail comes from a decode at most twice its size: bilinear is a third of bicubic's time there.
_RESAMPLE = {"thumbnail": Image.Resampling.BILINEAR, "preview": Image.Resampling.BICUBIC}
TAIL_BYTES = 64 * 1024


def make_derived(path: Path, max_pixels: int, variants=("preview", "thumbnail"), *,
                 draft: bool = True) -> dict[str, bytes]:
    """JPEG bytes of each asked variant: upright, metadata-free, at most VARIANT_PX[variant] px.

    Each variant is decoded on its own, at the smallest DCT scale that still covers its size (a
    thumbnail costs a 1/8-scale decode of a 12 MP JPEG), so that a variant made again is the
    same bytes however it was asked for.
    """
    made = {}
    for variant in variants:
        px = VARIANT_PX[variant]
        with _open_checked(path, max_pixels) as image:
            if draft and image.format == "JPEG":
                image.draft("RGB", (px, px))  # decode at 1/2, 1/4 or 1/8 scale
                if variant == "thumbnail" and len(image.decoderconfig) == 2:
                    # libjpeg's draft flag: its fastest IDCT and plain chroma upsampling, a
                    # quarter off a 12 MP thumbnail's decode, unseen at 320 px.
                    image.decoderconfig = (image.decoderconfig[0], 1)
            upright = _upright_rgb(image)
            upright.thumbnail((px, px), _RESAMPLE[variant], reducing_gap=2.0)
            made[variant] = _jpeg(upright, quality=82 if variant == "preview" else 80)
    return made


def make_previews(path: Path, max_pixels: int, *, draft: bool = True) -> dict[str, bytes]:
    """JPEG bytes of the upright, metadata-free preview (1280 px) and thumbnail (320 px)."""
    return make_derived(path, max_pixels, ("preview", "thumbnail"), draft=draft)


def _upright_rgb(image: Image.Image) -> Image.Image:
    upright = ImageOps.exif_transpose(image)
    if upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info:
        # Transparent ground (a signature drawn on the phone) becomes white, not black.
        rgba = upright.convert("RGBA")
        upright = Image.new("RGB", rgba.size, "white")
        upright.paste(rgba, mask=rgba.getchannel("A"))
    elif upright.mode != "RGB":
        upright = upright.convert("RGB")
    return upright


def jpeg_complete(path: Path) -> bool:
    """True when a JPEG's first scan is followed by an end-of-image marker (so the file was not
    cut short), without decoding it: entropy-coded data never holds FF D9 (an FF there is
    followed by 00 or a restart marker). The end is looked for in the last 64 KB first (a
    phone's trailer, such as a motion photo's video, may push it further: then everything)."""
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        size, pos = len(data), 2
        while pos + 4 <= size and data[pos] == 0xFF:
            marker = data[pos + 1]
            if marker == 0xFF:  # fill byte
                pos += 1
                continue
            end = pos + 2 + int.from_bytes(data[pos + 2:pos + 4], "big")
            if marker == 0xDA:  # start of scan: the compressed pixels follow
                return (data.rfind(b"\xff\xd9", max(end, size - TAIL_BYTES)) != -1
                        or data.find(b"\xff\xd9", end) != -1)
            pos = end
        return False


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=False)  # no exif=, no icc: nothing leaks
    return out.getvalue()


def _text(value) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    cleaned = "".join(ch for ch in value if ch.isprintable()).strip()
    return cleaned[:100] or None


def _exif_time(value, offset: str | None) -> datetime | None:
    text = _text(value)
    if not text:
        return None
    try:
        local = datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    if offset:
        sign = -1 if offset[0] == "-" else 1
        zone = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))
    else:
        zone = LOCAL_ZONE  # the camera wrote no offset: the bureau's local time is assumed
    return local.replace(tzinfo=zone).astimezone(timezone.utc)


def _gps(gps) -> tuple[float | None, float | None]:
    try:
        lat = _degrees(gps[2]) * (-1 if _text(gps.get(1)) == "S" else 1)
        lon = _degrees(gps[4]) * (-1 if _text(gps.get(3)) == "W" else 1)
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    return round(lat, 7), round(lon, 7)


def _degrees(dms) -> float:
    degrees, minutes, seconds = (float(part) for part in dms)
    return degrees + minutes / 60 + seconds / 3600
