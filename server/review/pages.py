"""Serves the review desk (static/review/) at /review/: supervisors' and legal reviewers' pages.

A page of its own, not part of the officers' PWA: it is used online at a desk or on a tablet,
needs no offline copy, and reuses the PWA's API client and DOM helpers from their URLs.
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, redirect, send_from_directory

REVIEW_DIR = Path(__file__).resolve().parent.parent.parent / "static" / "review"

bp = Blueprint("review_pages", __name__)


@bp.get("/review")
def bare():
    return redirect("/review/", code=308)


@bp.get("/review/")
def index():
    """The review desk's single page (hash routes)."""
    return _send("index.html")


@bp.get("/review/<path:filename>")
def asset(filename: str):
    return _send(filename)


def _send(filename: str):
    response = send_from_directory(REVIEW_DIR, filename, max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response
