"""A real nginx (Debian's) on loopback running deploy/nginx/fieldcase.conf in front of a test's
gunicorn: only the addresses, the certificate (a fresh self-signed one) and, where a test says
so, timeouts are changed; nginx's own files live in the test's folder."""
from __future__ import annotations

import datetime
import ipaddress
import re
import shutil
import socket
import ssl
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .conftest import ROOT, free_port

SHIPPED = ROOT / "deploy" / "nginx" / "fieldcase.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@dataclass
class Nginx:
    url: str
    certificate: Path
    process: subprocess.Popen
    folder: Path

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=15)

    def error_log(self) -> str:
        return (self.folder / "error.log").read_text(errors="replace")


def _certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def site_config(upstream_ports: int | list[int], port: int, cert: Path, key: Path,
                overrides: dict | None = None) -> str:
    """The shipped file with this test's addresses, one upstream `server` line per app server
    (and `overrides`: directive -> value)."""
    text = SHIPPED.read_text()
    ports = upstream_ports if isinstance(upstream_ports, list) else [upstream_ports]
    text = text.replace("server 127.0.0.1:8000;", "\n    ".join(f"server 127.0.0.1:{p};" for p in ports))
    text = text.replace("    listen [::]:443 ssl;\n", "")
    text = text.replace("listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;")
    text = text.replace("/etc/ssl/fieldcase/fullchain.pem", str(cert))
    text = text.replace("/etc/ssl/fieldcase/privkey.pem", str(key))
    for directive, value in (overrides or {}).items():
        text, count = re.subn(rf"(\n\s*{directive}) [^;]+;", rf"\1 {value};", text)
        assert count, f"{directive} is not in {SHIPPED}"
    return text


def start_nginx(upstream_url: str | list[str], folder: Path, overrides: dict | None = None) -> Nginx:
    """nginx on a free port in front of `upstream_url` (a list: round-robin over them)."""
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = _certificate(folder)
    port = free_port()
    urls = upstream_url if isinstance(upstream_url, list) else [upstream_url]
    (folder / "fieldcase.conf").write_text(
        site_config([int(url.rsplit(":", 1)[1]) for url in urls], port, cert, key, overrides))
    temp = {name: folder / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    (folder / "nginx.conf").write_text(f"""
daemon off;
user root;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log info;
events {{ worker_connections 1024; }}
http {{
    access_log {folder}/access.log;
    client_body_temp_path {temp['body']};
    proxy_temp_path {temp['proxy']};
    fastcgi_temp_path {temp['fastcgi']};
    uwsgi_temp_path {temp['uwsgi']};
    scgi_temp_path {temp['scgi']};
    include {folder}/fieldcase.conf;
}}
""")
    check = subprocess.run([NGINX, "-t", "-p", str(folder), "-c", str(folder / "nginx.conf")],
                           capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf")],
                               stdout=subprocess.DEVNULL, stderr=open(folder / "stderr.log", "wb"))
    url = f"https://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, (folder / "stderr.log").read_text()
        try:
            if requests.get(url + "/healthz", verify=str(cert), timeout=5).status_code == 200:
                return Nginx(url, cert, process, folder)
        except requests.ConnectionError:
            time.sleep(0.05)
    process.kill()
    raise AssertionError(f"nginx did not answer: {(folder / 'error.log').read_text()}")


def half_request(url: str, session: requests.Session | None, method: str, path: str, body: bytes,
                 headers: dict | None = None, *, sent: int | None = None, cafile: Path | None = None,
                 source: str = "127.0.0.1") -> socket.socket:
    """Open a fresh connection (TLS when `url` is https) from `source`, send a request's head and
    the first `sent` bytes of its body (half by default), and go quiet; returns the socket."""
    host, port = url.split("://")[1].split(":")
    fields = {"Host": f"{host}:{port}", "Content-Length": str(len(body)), **(headers or {})}
    if session is not None:
        fields["Cookie"] = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
        fields.update({k: v for k, v in session.headers.items() if k == "X-CSRF-Token"})
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items()) + "\r\n"
    sock = socket.create_connection((host, int(port)), timeout=30, source_address=(source, 0))
    if url.startswith("https"):
        sock = ssl.create_default_context(cafile=str(cafile)).wrap_socket(sock, server_hostname=host)
    sock.sendall(head.encode() + body[:len(body) // 2 if sent is None else sent])
    return sock


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except (ConnectionResetError, ssl.SSLError):
        pass
    return data
