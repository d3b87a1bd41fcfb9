"""The seal's key and certificate: the bureau's PKCS#12 from its provincial CA (SEAL_PKCS12,
passphrase SEAL_PASSPHRASE, extra chain certificates SEAL_CHAIN), or, for a demo, a demo CA and
a demo seal certificate made here in STORAGE_DIR/seal/ (演示用, no legal effect). docs/seals.md
says how to configure a real one.
"""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from flask import current_app

from ..clock import utcnow

DEMO_MARK = "演示用"
DEMO_FOLDER = "seal"
DEMO_P12, DEMO_CA, DEMO_PASSPHRASE = "demo-seal.p12", "demo-ca.pem", "demo-seal.passphrase"


def demo_paths(storage: Path) -> tuple[Path, Path, Path]:
    folder = Path(storage) / DEMO_FOLDER
    return folder / DEMO_P12, folder / DEMO_CA, folder / DEMO_PASSPHRASE


def _name(common: str, org: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
                      x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_demo_seal(storage: Path, bureau: str) -> bool:
    """Create the demo CA and the demo seal certificate (PKCS#12) unless present; True if made."""
    p12_path, ca_path, pass_path = demo_paths(storage)
    if p12_path.exists():
        return False
    p12_path.parent.mkdir(parents=True, exist_ok=True)
    now = utcnow() - timedelta(minutes=5)
    # RSA, not ECDSA: pyHanko declares PDF 2.0 (ISO 32002) for an ECDSA seal, and a PDF/A-2
    # document must stay PDF 1.7.
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    ca_name = _name(f"FieldCase 演示 CA（{DEMO_MARK}，无法律效力）", "FieldCase demo")
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now).not_valid_after(now + timedelta(days=3650))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                       key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, key_cert_sign=True, crl_sign=True,
                                       encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (x509.CertificateBuilder().subject_name(_name(f"{bureau}电子印章（{DEMO_MARK}）", bureau))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + timedelta(days=3 * 365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=False, crl_sign=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    passphrase = secrets.token_urlsafe(18)
    blob = pkcs12.serialize_key_and_certificates(
        b"fieldcase-demo-seal", key, cert, [ca],
        serialization.BestAvailableEncryption(passphrase.encode()))
    _write_private(pass_path, passphrase.encode())
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    _write_private(p12_path, blob)  # last: its presence says the set is complete
    return True


def _write_private(path: Path, data: bytes) -> None:
    temp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temp, path)


def seal_settings() -> tuple[Path, bytes, list[Path], bool]:
    """(PKCS#12 path, passphrase, extra chain files, demo?) as configured; the demo seal in
    storage when SEAL_PKCS12 is unset."""
    config = current_app.config
    if config.get("SEAL_PKCS12"):
        passphrase = (config.get("SEAL_PASSPHRASE") or "").encode()
        chain = [Path(p) for p in (config.get("SEAL_CHAIN") or "").split(os.pathsep) if p]
        return Path(config["SEAL_PKCS12"]), passphrase, chain, False
    p12, _, pass_path = demo_paths(config["STORAGE_DIR"])
    if not p12.exists():
        raise FileNotFoundError(f"no seal: set FIELDCASE_SEAL_PKCS12, or run `flask --app server "
                                f"documents demo-seal` to make the demo seal in {p12.parent}")
    return p12, pass_path.read_bytes().strip(), [], True


def load_signer():
    """A pyHanko signer for the configured seal, and whether it is the demo seal."""
    from pyhanko.sign import signers

    p12, passphrase, chain, demo = seal_settings()
    signer = signers.SimpleSigner.load_pkcs12(str(p12), ca_chain_files=[str(c) for c in chain] or None,
                                              passphrase=passphrase or None)
    if signer is None:
        raise ValueError(f"{p12}: cannot open the PKCS#12 (wrong passphrase, or not PKCS#12)")
    return signer, demo
