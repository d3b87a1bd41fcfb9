"""Serves the cases desk (static/cases/) at /cases/: pending findings, deadline warnings, cases."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, redirect, send_from_directory

CASES_DIR = Path(__file__).resolve().parent.parent.parent / "static" / "cases"

bp = Blueprint("cases_pages", __name__)


@bp.get("/cases")
def bare():
    return redirect("/cases/", code=308)


@bp.get("/cases/")
def index():
    """The cases desk's single page (hash routes)."""
    return _send("index.html")


@bp.get("/cases/<path:filename>")
def asset(filename: str):
    return _send(filename)


def _send(filename: str):
    response = send_from_directory(CASES_DIR, filename, max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response
