"""The legal grounds for 不予处罚, read from no_penalty_grounds.yaml (data, marked for legal review)."""
from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

GROUNDS_FILE = Path(__file__).resolve().parent / "no_penalty_grounds.yaml"


@cache
def list_grounds() -> tuple[dict, ...]:
    """Every ground: code, title, law, article, excerpt."""
    with GROUNDS_FILE.open(encoding="utf-8") as source:
        return tuple(yaml.safe_load(source)["grounds"])


def get_ground(code: str | None) -> dict | None:
    return next((g for g in list_grounds() if g["code"] == code), None)


def citation(ground: dict) -> str:
    """The ground as a decision cites it."""
    return f"{ground['title']}：{ground['law']}{ground['article']}（{ground['excerpt']}）"
