"""Evidence files made by the tests (nothing binary is committed): photos with EXIF from
Pillow, and minimal but well-formed audio and video containers built byte by byte."""
from __future__ import annotations

import io
import struct
import wave
import zlib
from datetime import datetime
from fractions import Fraction
from functools import cache

from mutagen.ogg import OggPage
from PIL import Image

EXIF_IFD, GPS_IFD = 0x8769, 0x8825


def _dms(value: float):
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = Fraction(round(((value - degrees) * 60 - minutes) * 60 * 1000), 1000)
    return (Fraction(degrees), Fraction(minutes), seconds)


def jpeg(width=640, height=480, *, taken: datetime | None = None, offset: str | None = None,
         gps: tuple[float, float] | None = None, make="HUAWEI", model="P40", orientation=None,
         color=(40, 120, 200), quality=85) -> bytes:
    """A JPEG with EXIF capture time (and offset), GPS, make/model and orientation."""
    image = Image.new("RGB", (width, height), color)
    for x in range(0, width, max(1, width // 8)):  # some structure, so it is not all one colour
        image.paste((255, 255, 255), (x, 0, x + max(1, width // 64), height))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = make, model
    if orientation:
        exif[0x0112] = orientation
    if taken:
        exif.get_ifd(EXIF_IFD)[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
        if offset:
            exif.get_ifd(EXIF_IFD)[0x9011] = offset
    if gps:
        ifd = exif.get_ifd(GPS_IFD)
        ifd[1], ifd[2] = ("N" if gps[0] >= 0 else "S"), _dms(gps[0])
        ifd[3], ifd[4] = ("E" if gps[1] >= 0 else "W"), _dms(gps[1])
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, exif=exif)
    return out.getvalue()


def image(fmt: str, size=(300, 200)) -> bytes:
    """A PNG, WebP or HEIC photo."""
    if fmt == "HEIF":
        import pillow_heif
        pillow_heif.register_heif_opener()
    out = io.BytesIO()
    Image.new("RGB", size, (10, 200, 30)).save(out, fmt)
    return out.getvalue()


def png_of_size(width: int, height: int) -> bytes:
    """A well-formed PNG (valid chunks and CRCs) whose header declares this size, 0 included."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


def png_bomb(side=16_000) -> bytes:
    """A small PNG that decodes to side² grey pixels (256 MP by default): a decompression bomb."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    compressor = zlib.compressobj(9)
    row = b"\x00" * (side + 1)
    body = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def wav(seconds=1.0, rate=8000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\x00\x01" * int(seconds * rate))
    return out.getvalue()


def wav_claiming_4gb(seconds=0.5) -> bytes:
    """A short WAV whose RIFF and data sizes claim almost 4 GB."""
    data = bytearray(wav(seconds))
    data[4:8] = struct.pack("<I", 0xFFFFFFF0)
    data[40:44] = struct.pack("<I", 0xFFFFFF00)
    return bytes(data)


def mp3(frames=80) -> bytes:
    """MPEG-1 layer III frames (128 kbit/s, 44.1 kHz) of silence-like payload."""
    frame = b"\xff\xfb\x90\x00" + b"\x00" * (417 - 4)
    return frame * frames


def ogg_opus(seconds=1.0) -> bytes:
    head = b"OpusHead" + bytes([1, 1]) + struct.pack("<HIhB", 312, 48000, 0, 0)
    tags = b"OpusTags" + struct.pack("<I", 4) + b"test" + struct.pack("<I", 0)
    out = io.BytesIO()
    for sequence, (packets, position, last) in enumerate((
            ([head], 0, False), ([tags], 0, False),
            ([b"\xfc" + b"\x00" * 40] * 50, int(seconds * 48000) + 312, True))):
        page = OggPage()
        page.serial, page.sequence, page.position, page.packets = 7, sequence, position, packets
        page.first = sequence == 0
        page.last = last
        out.write(page.write())
    return out.getvalue()


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _trak(handler: bytes, codec: bytes, timescale: int, duration: int) -> bytes:
    mdhd = _box(b"mdhd", b"\x00" * 12 + struct.pack(">II", timescale, duration) + b"\x00" * 4)
    hdlr = _box(b"hdlr", b"\x00" * 8 + handler + b"\x00" * 12 + b"fc\x00")
    stsd = _box(b"stsd", b"\x00" * 4 + struct.pack(">I", 1) + _box(codec, b"\x00" * 28))
    minf = _box(b"minf", _box(b"stbl", stsd))
    return _box(b"trak", _box(b"mdia", mdhd + hdlr + minf))


def mp4(*, video=True, brand=b"isom", seconds=3) -> bytes:
    """An MP4 (or M4A with brand M4A and video=False) with movie header and track headers."""
    ftyp = _box(b"ftyp", brand + b"\x00\x00\x02\x00" + brand + b"mp41")
    mvhd = _box(b"mvhd", b"\x00" * 12 + struct.pack(">II", 1000, seconds * 1000) + b"\x00" * 80)
    traks = _trak(b"soun", b"mp4a", 44100, seconds * 44100)
    if video:
        traks = _trak(b"vide", b"avc1", 90000, seconds * 90000) + traks
    return ftyp + _box(b"moov", mvhd + traks) + _box(b"mdat", b"\x00\x11" * 500)


def _ebml(ident: int, payload: bytes, unknown_size=False) -> bytes:
    id_bytes = ident.to_bytes((ident.bit_length() + 7) // 8, "big")
    size = b"\x01\xff\xff\xff\xff\xff\xff\xff" if unknown_size else b"\x01" + len(payload).to_bytes(7, "big")
    return id_bytes + size + payload


def webm(*, video=True, seconds=2.5) -> bytes:
    """A WebM as MediaRecorder writes it: EBML header, a segment of unknown size, tracks, a cluster."""
    header = _ebml(0x1A45DFA3, _ebml(0x4286, b"\x01") + _ebml(0x4282, b"webm"))
    info = _ebml(0x1549A966, _ebml(0x2AD7B1, (1_000_000).to_bytes(3, "big"))
                 + _ebml(0x4489, struct.pack(">d", seconds * 1000)))
    audio = _ebml(0xAE, _ebml(0xD7, b"\x02") + _ebml(0x83, b"\x02") + _ebml(0x86, b"A_OPUS"))
    video_track = _ebml(0xAE, _ebml(0xD7, b"\x01") + _ebml(0x83, b"\x01") + _ebml(0x86, b"V_VP8"))
    tracks = _ebml(0x1654AE6B, (video_track if video else b"") + audio)
    cluster = _ebml(0x1F43B675, _ebml(0xE7, b"\x00") + b"\xa3" + b"\x84\x81\x00\x00\x80")
    return header + _ebml(0x18538067, info + tracks + cluster, unknown_size=True)


# Files as body cameras (执法记录仪) and voice recorders write them, made by Debian's ffmpeg
# (scripts/system-deps.sh test installs it): name -> (ffmpeg output options, file suffix).
_TONE, _PICTURE = "sine=frequency=440:sample_rate={rate}", "testsrc=size=160x120:rate=10"
FFMPEG_SAMPLES = {
    "mp4-h264-aac": (["-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac"], ".mp4", True, 16000),
    "m4a-aac": (["-c:a", "aac"], ".m4a", False, 16000),
    "aac-adts": (["-c:a", "aac", "-f", "adts"], ".aac", False, 16000),
    "aac-adts-id3": (["-c:a", "aac", "-write_id3v2", "1", "-f", "adts"], ".aac", False, 16000),
    "mp3-lame": (["-c:a", "libmp3lame"], ".mp3", False, 16000),
    "wav-pcm": (["-c:a", "pcm_s16le"], ".wav", False, 16000),
    "webm-opus": (["-c:a", "libopus", "-f", "webm"], ".webm", False, 48000),
    "webm-vp8-opus": (["-c:v", "libvpx", "-c:a", "libopus", "-f", "webm"], ".webm", True, 48000),
}


def ffmpeg_sample(name: str, folder, seconds: int = 2) -> bytes:
    """A `seconds` long tone (and test picture) encoded by ffmpeg as FFMPEG_SAMPLES[name] says."""
    import shutil
    import subprocess
    from pathlib import Path

    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg, "ffmpeg is missing: run scripts/system-deps.sh test"
    options, suffix, video, rate = FFMPEG_SAMPLES[name]
    inputs = ["-f", "lavfi", "-i", _TONE.format(rate=rate)]
    if video:
        inputs = ["-f", "lavfi", "-i", _PICTURE] + inputs
    out = Path(folder) / f"{name}{suffix}"
    subprocess.run([ffmpeg, "-v", "error", "-y", *inputs, "-t", str(seconds), *options, str(out)],
                   check=True, timeout=60)
    return out.read_bytes()


AMR_NB_BYTES = (13, 14, 16, 18, 20, 21, 27, 32)  # per frame, header byte included, by frame type
AMR_WB_BYTES = (18, 24, 33, 37, 41, 47, 51, 59, 61)


def amr(seconds=2.0, *, wide=False, frame_type=7) -> bytes:
    """An AMR (RFC 4867 storage format) file of silent 20 ms frames, as voice recorders write it."""
    size = (AMR_WB_BYTES if wide else AMR_NB_BYTES)[frame_type]
    frame = bytes([(frame_type << 3) | 0x04]) + b"\x00" * (size - 1)
    return (b"#!AMR-WB\n" if wide else b"#!AMR\n") + frame * int(seconds * 50)


@cache
def scene_jpeg() -> bytes:
    """A 4000×3000 picture that compresses like a phone's (about 2 MB at quality 85): smooth
    shapes, a gradient and fine sensor-like noise; without EXIF (each photo adds its own)."""
    shapes = Image.effect_noise((500, 375), 80).convert("RGB").resize((4000, 3000), Image.Resampling.BICUBIC)
    picture = Image.blend(shapes, Image.linear_gradient("L").resize((4000, 3000)).convert("RGB"), 0.5)
    grain = Image.merge("RGB", [Image.effect_noise((4000, 3000), 18) for _ in range(3)])
    out = io.BytesIO()
    Image.blend(picture, grain, 0.25).save(out, "JPEG", quality=85)
    return out.getvalue()


def exif_head(n: int, taken: datetime) -> bytes:
    """SOI and an EXIF APP1 as a phone writes it (make, model, orientation, capture time with its
    offset, GPS, a unique image id): the same length for every n."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = "HUAWEI", "P40", 1
    exif.get_ifd(EXIF_IFD)[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
    exif.get_ifd(EXIF_IFD)[0x9011] = "+08:00"
    exif.get_ifd(EXIF_IFD)[0xA420] = f"{n:032x}"  # ImageUniqueID: every photo its own hash
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2], gps[3], gps[4] = "N", _dms(30.5257), "E", _dms(120.9431)
    app1 = exif.tobytes()
    return b"\xff\xd8\xff\xe1" + (len(app1) + 2).to_bytes(2, "big") + app1


def phone_photo(n: int, taken: datetime) -> bytes:
    """A 12 MP phone photo (about 2 MB) with EXIF, different for every n."""
    return exif_head(n, taken) + scene_jpeg()[2:]
