"""The printed record (现场检查笔录) as a reader sees it: the PDF is rendered to an image with
poppler, its Chinese text is real glyphs from embedded fonts (not boxes), and its QR code decodes
to the record's UUID and content hash."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image, ImageChops, ImageOps

from server.audit.models import AuditEntry
from server.extensions import db

ROOT = Path(__file__).resolve().parent.parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "record"
DPI = 150


def run(*args) -> str:
    if not shutil.which(args[0]):  # a missing tool fails the test: make test installs them
        pytest.fail(f"{args[0]} not found: scripts/system-deps.sh test installs poppler-utils and zbar-tools",
                    pytrace=False)
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def word_boxes(pdf: Path, page: int = 1) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Each word on the page with its box in points (poppler's -bbox output)."""
    html = run("pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-")
    return [(m[4], tuple(float(v) for v in m[:4])) for m in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html)]


def least_glyph_difference(png: Path, boxes) -> float:
    """The smallest mean pixel difference (0–255) between any two of the glyphs in `boxes`
    (points): six different characters drawn as boxes (tofu) are all alike, real ones are not."""
    with Image.open(png) as image:
        grey = image.convert("L")
    cells = [grey.crop(tuple(round(v * DPI / 72) for v in box)).resize((64, 64)) for box in boxes]
    assert all(ImageOps.invert(cell).getbbox() for cell in cells), "a glyph without ink"
    return min(sum(ImageChops.difference(a, b).get_flattened_data()) / 64 ** 2
               for n, a in enumerate(cells) for b in cells[n + 1:])


@pytest.fixture
def printed(login_as, submitted, tmp_path):
    record = submitted()
    supervisor = login_as("supervisor1")
    supervisor.post(f"/api/inspections/{record['uuid']}/review/return", json={
        "expected_status": "complete", "comment": "称重单照片不清晰。",
        "item_comments": {"weighing_ticket": "请补拍称重单。"}})
    response = supervisor.get(f"/api/inspections/{record['uuid']}/record.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = tmp_path / "record.pdf"
    pdf.write_bytes(response.data)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(pdf, ARTIFACTS / "record.pdf")
    return record, pdf


def test_the_chinese_text_is_there_in_embedded_cjk_fonts(printed):
    record, pdf = printed
    fonts = run("pdffonts", str(pdf)).splitlines()[2:]
    assert fonts and all(re.search(r"\byes\s+yes\s+yes\b", line) for line in fonts), fonts  # embedded subsets
    assert any("NotoSerifCJK" in line.replace("-", "") for line in fonts), fonts
    text = run("pdftotext", "-layout", str(pdf), "-")
    for expected in ("海盐县交通运输局", "现场检查笔录", "公路超限超载检查", "浙F12345", "不符合",
                     "车辆超限运输（车货总质量超过限定标准）", "《公路安全保护条例》第三十三条",
                     "执法证号 330424officer1", "证据清单", "请补拍称重单。", "退回更正"):
        assert expected in text.replace(" ", "").replace("\n", "") or expected in text, expected
    raw = re.sub(r"\s", "", run("pdftotext", "-raw", str(pdf), "-"))  # reading order: hashes whole
    for evidence in record["evidence"]:
        assert evidence["sha256"] in raw


def test_rendered_page_shows_glyphs_not_boxes_and_the_qr_code_checks_out(printed, tmp_path, app):
    record, pdf = printed
    run("pdftoppm", "-r", str(DPI), "-png", str(pdf), str(tmp_path / "page"))
    pages = sorted(tmp_path.glob("page-*.png"))
    assert pages
    for page in pages:
        shutil.copyfile(page, ARTIFACTS / page.name)
    title = [box for word, box in word_boxes(pdf) if word in "现场检查笔录" and len(word) == 1][:6]
    assert len(title) == 6  # the letter-spaced title: one box per character
    real = least_glyph_difference(pages[0], title)

    # Characters no font has, laid out alike: what boxes (tofu) would score.
    import weasyprint

    tofu_pdf = tmp_path / "tofu.pdf"
    weasyprint.HTML(string="".join(f'<h1 style="font: bold 20pt \'Noto Serif CJK SC\'">{chr(0xE000 + i)}</h1>'
                                   for i in range(6))).write_pdf(tofu_pdf)
    run("pdftoppm", "-r", str(DPI), "-png", "-singlefile", str(tofu_pdf), str(tmp_path / "tofu"))
    tofu = least_glyph_difference(tmp_path / "tofu.png", [box for _, box in word_boxes(tofu_pdf)])
    assert tofu < 5 and real > 20, (real, tofu)

    decoded = set()
    for page in pages:
        out = subprocess.run(["zbarimg", "-q", "--raw", str(page)], capture_output=True, text=True)
        decoded.update(line for line in out.stdout.splitlines() if line)
    assert decoded == {f"fieldcase:record:{record['uuid']}:{record['content_hash']}"}, decoded


def test_printing_is_audited_and_only_for_those_who_may_see(printed, login_as):
    record, pdf = printed
    import hashlib

    [entry] = db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.action == "inspection.record_printed")).scalars().all()
    assert entry.object_id == record["uuid"] and entry.actor_username == "supervisor1"
    assert hashlib.sha256(pdf.read_bytes()).hexdigest() in entry.details
    assert login_as("officer3").get(f"/api/inspections/{record['uuid']}/record.pdf").status_code == 404
