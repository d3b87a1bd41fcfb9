"""Draws the PWA's home-screen icons (a clipboard with a check mark on the bureau's blue) with
Pillow, so that no binary comes from elsewhere. Run: .venv/bin/python scripts/make-icons.py"""
from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "static" / "pwa" / "icons"
BLUE, WHITE, ORANGE = (11, 61, 145), (255, 255, 255), (255, 170, 0)


def draw(size: int, maskable: bool) -> Image.Image:
    """The icon at `size` px; a maskable icon keeps its drawing inside the 80 % safe zone."""
    scale = 4  # draw large, then downsample: smooth edges without anti-aliasing support
    big = size * scale
    image = Image.new("RGB", (big, big), BLUE)
    d = ImageDraw.Draw(image)
    inset = big * (0.2 if maskable else 0.12)
    left, top, right, bottom = inset + big * 0.08, inset, big - inset - big * 0.08, big - inset
    d.rounded_rectangle((left, top + big * 0.05, right, bottom), radius=big * 0.06, fill=WHITE)
    clip_w = (right - left) * 0.45
    cx = (left + right) / 2
    d.rounded_rectangle((cx - clip_w / 2, top - big * 0.01, cx + clip_w / 2, top + big * 0.11),
                        radius=big * 0.03, fill=ORANGE)
    w = big * 0.06
    points = [(left + (right - left) * 0.2, top + (bottom - top) * 0.58),
              (left + (right - left) * 0.42, top + (bottom - top) * 0.78),
              (left + (right - left) * 0.8, top + (bottom - top) * 0.35)]
    d.line(points, fill=BLUE, width=int(w), joint="curve")
    for x, y in (points[0], points[-1]):
        d.ellipse((x - w / 2, y - w / 2, x + w / 2, y + w / 2), fill=BLUE)
    return image.resize((size, size), Image.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        draw(size, maskable=False).save(OUT / f"icon-{size}.png", optimize=True)
    draw(512, maskable=True).save(OUT / "icon-maskable-512.png", optimize=True)
    draw(180, maskable=False).save(OUT / "apple-touch-icon.png", optimize=True)


if __name__ == "__main__":
    main()
