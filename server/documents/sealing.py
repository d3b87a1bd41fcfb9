"""Sealing a PDF/A with pyHanko: a PAdES baseline signature (ETSI.CAdES.detached, SHA-256) as an
incremental update, whose visible appearance is the bureau's round seal where the document's
template left room for it (render.SealBox). The seal certifies the document (DocMDP: no
changes allowed), so any later change to it, a page removed, content drawn over it, shows up in
pyHanko's difference analysis as well as a broken byte range does.

`validate_sealed` is pyHanko's own validator, as a court clerk's `pyhanko sign validate` runs it.
"""
from __future__ import annotations

import asyncio
import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from .render import SealBox

FIELD_NAME = "Seal"


def _outside_event_loop(call):
    """Run `call` where asyncio.run() may run. pyHanko's synchronous API calls asyncio.run(), which
    refuses to run in a thread whose event loop is running (a host that embeds an event loop, as
    Playwright's sync API does in the tests); there the call runs in a short-lived thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def seal_pdf(pdf: bytes, box: SealBox, signer, seal_png: bytes, *, bureau: str, reason: str) -> bytes:
    """The PDF with the seal applied as an incremental update (the original bytes unchanged)."""
    from PIL import Image
    from pyhanko.pdf_utils.images import PdfImage
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import StaticStampStyle

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason, location=bureau, name=bureau, certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES)
    style = StaticStampStyle(background=PdfImage(Image.open(io.BytesIO(seal_png))),
                             background_opacity=1.0, border_width=0)
    pdf_signer = signers.PdfSigner(meta, signer=signer, stamp_style=style,
                                   new_field_spec=fields.SigFieldSpec(FIELD_NAME, on_page=box.page,
                                                                      box=box.box))
    return _outside_event_loop(lambda: pdf_signer.sign_pdf(writer).getvalue())


@dataclass(frozen=True)
class SealCheck:
    """What pyHanko's validator says of a document's seal."""

    ok: bool          # intact, valid, trusted, and no change after it that is not allowed
    intact: bool      # the signed bytes hash to what was signed
    valid: bool       # the signature over that hash is the certificate's
    trusted: bool     # the certificate chains to a trusted root
    coverage: str     # ENTIRE_FILE, ENTIRE_REVISION (something appended) …
    modification: str | None  # NONE, LTA_UPDATES, FORM_FILLING, ANNOTATIONS, OTHER
    signer: str
    summary: str


def validate_sealed(pdf: bytes, trust_roots: list[bytes]) -> SealCheck:
    """Validate the one seal of `pdf` with pyHanko, trusting only `trust_roots` (PEM or DER)."""
    from asn1crypto import pem, x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    roots = []
    for data in trust_roots:
        if pem.detect(data):
            data = pem.unarmor(data)[2]
        roots.append(x509.Certificate.load(data))
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    signatures = reader.embedded_signatures
    if len(signatures) != 1:
        raise ValueError(f"expected one seal, found {len(signatures)}")
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    status = _outside_event_loop(lambda: validate_pdf_signature(signatures[0], context))
    level = status.modification_level
    return SealCheck(ok=status.bottom_line, intact=status.intact, valid=status.valid,
                     trusted=status.trusted, coverage=status.coverage.name,
                     modification=level.name if level is not None else None,
                     signer=status.signing_cert.subject.human_friendly, summary=status.summary())
