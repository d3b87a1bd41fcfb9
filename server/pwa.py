"""Serves the officers' PWA from static/pwa/ (setting PWA_DIR) at the site root, so the service
worker's scope is `/`, and fills in the service worker's precache list and the app's version.

The precache list is derived from the folder, not kept by hand. Rule: every file under PWA_DIR is
precached except the service worker itself (`sw.js`), `index.html` (precached as `/`), the vendored
libraries' licences and pin list (`*.LICENSE`, `vendor/VERSIONS`) and dotfiles.

The version is a SHA-256 over the path and bytes of every precached file (index.html included, as on
disk), computed at each request for the worker or the shell: any change to any file the phone
caches is a new version, so a deploy can never ship a stale cache, and nobody bumps a number.
The browser sees a changed `/sw.js`, installs it beside the old one and the app offers 新版本可用.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Blueprint, abort, current_app, request, send_from_directory

bp = Blueprint("pwa", __name__)

# Markers in static/pwa/sw.js and index.html that the served copies carry filled in.
VERSION_MARK = "%FIELDCASE_VERSION%"
PRECACHE_MARK = '["%FIELDCASE_PRECACHE%"]'
NOT_PRECACHED_NAMES = {"sw.js", "index.html"}  # at the folder's top only


def precached_files(pwa_dir: Path) -> list[str]:
    """The folder's files the service worker precaches (the rule above), as sorted relative paths."""
    files = []
    for path in pwa_dir.rglob("*"):
        relative = path.relative_to(pwa_dir).as_posix()
        if not path.is_file() or any(part.startswith(".") for part in relative.split("/")):
            continue
        if relative in NOT_PRECACHED_NAMES or relative.endswith(".LICENSE") or relative == "vendor/VERSIONS":
            continue
        files.append(relative)
    return sorted(files)


def precache_urls(pwa_dir: Path) -> list[str]:
    """The URLs the service worker caches at install: the shell `/` and every precached file."""
    return ["/"] + ["/" + name for name in precached_files(pwa_dir)]


def app_version(pwa_dir: Path) -> str:
    """The first 16 hex digits of a SHA-256 over the path and bytes of every file the phone caches."""
    digest = hashlib.sha256()
    for name in ["index.html"] + precached_files(pwa_dir):
        content = (pwa_dir / name).read_bytes()
        digest.update(f"{name}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()[:16]


@bp.get("/")
def index():
    """The app shell, carrying its version."""
    return _send("index.html")


@bp.get("/<path:filename>")
def asset(filename: str):
    """Any file of the PWA (the API and probes are matched first by their own routes)."""
    if filename.startswith("api/"):
        abort(404)
    return _send(filename)


def _send(filename: str):
    pwa_dir = current_app.config["PWA_DIR"]
    if filename in ("sw.js", "index.html"):
        response = _filled_in(pwa_dir, filename)
    else:
        response = send_from_directory(pwa_dir, filename, max_age=0)
    # Revalidate every time: the service worker holds the offline copy, versioned.
    response.headers["Cache-Control"] = "no-cache"
    if filename == "sw.js":
        response.headers["Service-Worker-Allowed"] = "/"
    return response


def _filled_in(pwa_dir: Path, filename: str):
    """sw.js or index.html with the version (and, for sw.js, the precache list) written in."""
    text = (pwa_dir / filename).read_text(encoding="utf-8")
    if VERSION_MARK not in text or (filename == "sw.js" and PRECACHE_MARK not in text):
        raise RuntimeError(f"{pwa_dir / filename} lost its {VERSION_MARK} or {PRECACHE_MARK} marker")
    text = text.replace(VERSION_MARK, app_version(pwa_dir))
    if filename == "sw.js":
        text = text.replace(PRECACHE_MARK, json.dumps(precache_urls(pwa_dir), indent=2))
    mimetype = "text/javascript" if filename == "sw.js" else "text/html"
    response = current_app.response_class(text, mimetype=mimetype)
    response.add_etag()
    return response.make_conditional(request)
