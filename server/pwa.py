"""Serves the officers' PWA from static/pwa/ at the site root, so the service worker's scope is `/`."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, send_from_directory

PWA_DIR = Path(__file__).resolve().parent.parent / "static" / "pwa"

bp = Blueprint("pwa", __name__)


@bp.get("/")
def index():
    """The app shell."""
    return _send("index.html")


@bp.get("/<path:filename>")
def asset(filename: str):
    """Any file of the PWA (the API and probes are matched first by their own routes)."""
    if filename.startswith("api/"):
        abort(404)
    return _send(filename)


def _send(filename: str):
    response = send_from_directory(PWA_DIR, filename, max_age=0)
    # Revalidate every time: the service worker holds the offline copy, versioned.
    response.headers["Cache-Control"] = "no-cache"
    if filename == "sw.js":
        response.headers["Service-Worker-Allowed"] = "/"
    return response
