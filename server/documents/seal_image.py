"""The bureau's round red seal (公章式样), drawn by Pillow from its name: a double-free red
circle, a five-pointed star in the middle, the name along the upper arc, and for the demo seal
演示用 under the star. A transparent PNG, placed by pyHanko as the signature's appearance."""
from __future__ import annotations

import io
import math

from PIL import Image, ImageDraw, ImageFont

RED = (200, 16, 30, 255)
SIZE = 600  # pixels; drawn at 42 mm, so about 360 dpi
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
FONT_INDEX = 2  # "Noto Sans CJK SC" inside the collection


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT, size, index=FONT_INDEX)


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, radius: float) -> None:
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.382
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    draw.polygon(points, fill=RED)


def draw_seal(name: str, *, demo: bool) -> bytes:
    """The seal as PNG bytes."""
    image = Image.new("RGBA", (SIZE, SIZE), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    c, ring = SIZE / 2, SIZE * 0.035
    draw.ellipse((ring / 2, ring / 2, SIZE - ring / 2, SIZE - ring / 2), outline=RED, width=round(ring))
    _star(draw, c, c, SIZE * 0.16)
    # The name along the upper arc, each character upright towards the centre, from about
    # 210° to 330° (clockwise from the left), as a round official seal reads.
    chars = list(name)
    span = min(240.0, 22.0 * len(chars))
    font = _font(round(SIZE * 0.11))
    radius = SIZE / 2 - ring - SIZE * 0.085
    for i, ch in enumerate(chars):
        angle = -90 - span / 2 + span * (i + 0.5) / len(chars)
        glyph = Image.new("RGBA", (round(SIZE * 0.14),) * 2, (255, 255, 255, 0))
        ImageDraw.Draw(glyph).text((glyph.width / 2, glyph.height / 2), ch, font=font, fill=RED,
                                   anchor="mm")
        glyph = glyph.rotate(-(angle + 90), resample=Image.BICUBIC, expand=True)
        x = c + radius * math.cos(math.radians(angle)) - glyph.width / 2
        y = c + radius * math.sin(math.radians(angle)) - glyph.height / 2
        image.alpha_composite(glyph, (round(x), round(y)))
    if demo:
        draw.text((c, c + SIZE * 0.25), "演示用", font=_font(round(SIZE * 0.09)), fill=RED, anchor="mm")
        draw.text((c, c + SIZE * 0.34), "无法律效力", font=_font(round(SIZE * 0.05)), fill=RED,
                  anchor="mm")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
