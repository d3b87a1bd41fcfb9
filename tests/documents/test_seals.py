"""The electronic seal as a court clerk checks it: pyHanko's own validator, trusting only the
demo CA, accepts a sealed document; a changed byte, a removed page and an added incremental
update that draws on a page are each refused. And what PDF/A-ness can be checked here."""
from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from server.documents.sealing import validate_sealed


def test_a_sealed_decision_verifies_with_pyhanko_trusting_the_demo_ca(sealed, demo_seal):
    document, pdf = sealed("penalty_decision")
    check = validate_sealed(pdf, [demo_seal])
    assert check.ok and check.intact and check.valid and check.trusted, check.summary
    assert check.coverage == "ENTIRE_FILE" and check.modification == "NONE"
    assert "海盐县交通运输局" in check.signer and "演示用" in check.signer


def test_a_seal_from_an_untrusted_ca_is_not_trusted(sealed, tmp_path):
    from server.documents.seal_keys import demo_paths, make_demo_seal

    _, pdf = sealed("service_receipt")
    other = tmp_path / "other"
    make_demo_seal(other, "别的机关")
    check = validate_sealed(pdf, [demo_paths(other)[1].read_bytes()])
    assert check.intact and check.valid and not check.trusted and not check.ok


def test_a_changed_byte_breaks_the_seal(sealed, demo_seal):
    _, pdf = sealed("penalty_decision")
    signed_end = _byte_range(pdf)[1]  # the first signed range: the document as laid out
    at = pdf.index(b"WeasyPrint")
    assert at < signed_end
    tampered = pdf[:at] + b"w" + pdf[at + 1:]
    check = validate_sealed(tampered, [demo_seal])
    assert not check.intact and not check.ok, check.summary


def test_a_removed_page_breaks_the_seal(sealed, demo_seal):
    _, pdf = sealed("penalty_decision")
    assert _pages(pdf) == 2  # the reasoned decision runs over two pages
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    pages = writer.root["/Pages"]
    kids = pages["/Kids"]
    del kids[0]
    pages["/Count"] = generic.NumberObject(1)
    writer.update_container(pages)
    tampered = _written(writer)
    assert _pages(tampered) == 1
    check = validate_sealed(tampered, [demo_seal])
    assert check.intact  # the signed bytes are there, untouched …
    assert check.coverage != "ENTIRE_FILE" and check.modification == "OTHER" and not check.ok, check.summary


def test_an_incremental_update_that_changes_content_breaks_the_seal(sealed, demo_seal):
    _, pdf = sealed("penalty_decision")
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    cover = generic.StreamObject(stream_data=b"q 1 1 1 rg 50 400 500 200 re f Q")  # white box
    writer.add_stream_to_page(0, writer.add_object(cover))
    check = validate_sealed(_written(writer), [demo_seal])
    assert check.intact and check.modification == "OTHER" and not check.ok, check.summary


def test_the_document_is_pdf_a_2b_as_far_as_checked_here(sealed, tmp_path):
    """No PDF/A validator (veraPDF) is installed: this checks the parts of ISO 19005-2 level B
    that poppler and the file's own structure show: the XMP identification (part 2, level B),
    an sRGB output intent with its ICC profile, every font embedded, PDF 1.7 kept after the seal
    (no PDF 2.0 declaration), no encryption, and the title in the metadata."""
    document, pdf = sealed("penalty_decision")
    reader = PdfFileReader(io.BytesIO(pdf))
    root = reader.root
    xmp = root["/Metadata"].data.decode("utf-8")
    assert re.search(r'pdfaid:part(="|>)2', xmp) and re.search(r'pdfaid:conformance(="|>)B', xmp), xmp
    intents = root["/OutputIntents"]
    assert any(i["/S"] == "/GTS_PDFA1" and "/DestOutputProfile" in i for i in intents)
    assert pdf.startswith(b"%PDF-1.7") and "/Version" not in root
    assert reader.encrypt_dict is None
    path = tmp_path / "decision.pdf"
    path.write_bytes(pdf)
    fonts = _run("pdffonts", str(path)).splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts  # the "emb" column
    info = _run("pdfinfo", str(path))
    assert f"Title:           行政处罚决定书 {document.number}" in info
    assert "Encrypted:       no" in info


def _byte_range(pdf: bytes) -> list[int]:
    match = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf)
    return [int(v) for v in match.groups()]


def _pages(pdf: bytes) -> int:
    return int(PdfFileReader(io.BytesIO(pdf), strict=False).root["/Pages"]["/Count"])


def _written(writer) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _run(*args) -> str:
    if not shutil.which(args[0]):
        pytest.fail(f"{args[0]} not found: scripts/system-deps.sh test installs poppler-utils", pytrace=False)
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


CLERK_COMMAND = ["sign", "validate", "--no-revocation-check", "--trust-replace", "--pretty-print"]


def test_the_readme_clerk_command_accepts_the_seal_and_refuses_a_changed_file(sealed, demo_seal, tmp_path):
    """README: how a court clerk checks a document with pyHanko's command line."""
    import sys
    from pathlib import Path

    pyhanko = Path(sys.executable).parent / "pyhanko"
    if not pyhanko.exists():
        pytest.fail("pyhanko (pyhanko-cli) not installed: pip install -r requirements-dev.txt", pytrace=False)
    _, pdf = sealed("penalty_decision")
    (tmp_path / "ca.pem").write_bytes(demo_seal)
    (tmp_path / "doc.pdf").write_bytes(pdf)
    good = subprocess.run([str(pyhanko), *CLERK_COMMAND, "--trust", "ca.pem", "doc.pdf"],
                          cwd=tmp_path, capture_output=True, text=True)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "The signature is judged VALID." in good.stdout, good.stdout
    at = pdf.index(b"WeasyPrint")
    (tmp_path / "changed.pdf").write_bytes(pdf[:at] + b"w" + pdf[at + 1:])
    bad = subprocess.run([str(pyhanko), *CLERK_COMMAND, "--trust", "ca.pem", "changed.pdf"],
                         cwd=tmp_path, capture_output=True, text=True)
    assert bad.returncode != 0, bad.stdout
