"""Serves the dashboard (static/oversight/) at /oversight/: supervisors', admins' and officers'
figures, exports and warnings. Online only, like the review desk; it reuses the PWA's API client
and DOM helpers from their URLs."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, redirect, send_from_directory

OVERSIGHT_DIR = Path(__file__).resolve().parent.parent.parent / "static" / "oversight"

bp = Blueprint("oversight_pages", __name__)


@bp.get("/oversight")
def bare():
    return redirect("/oversight/", code=308)


@bp.get("/oversight/")
def index():
    """The dashboard's single page (hash routes)."""
    return _send("index.html")


@bp.get("/oversight/<path:filename>")
def asset(filename: str):
    return _send(filename)


def _send(filename: str):
    response = send_from_directory(OVERSIGHT_DIR, filename, max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response
