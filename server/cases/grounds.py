"""The legal grounds for 不予处罚: those of the current no-penalty list (discretion/no-penalty-v*.yaml,
versioned and published like the benchmarks; marked there for legal review). A disposition keeps
the ground's code and its citation as made then, naming the list's version."""
from __future__ import annotations

from ..discretion import service as discretion


def list_grounds() -> list[dict]:
    """Every ground of the current no-penalty list: code, title, law, article, excerpt, and the
    list's id and version."""
    for listing in discretion.current_benchmarks():
        if listing.kind == "no_penalty_list":
            named = {"id": listing.id, "version": listing.version, "title": listing.title}
            return [{**ground, "list": named} for ground in listing.definition.get("grounds") or ()]
    return []


def get_ground(code: str | None) -> dict | None:
    return next((g for g in list_grounds() if g["code"] == code), None)


def citation(ground: dict) -> str:
    """The ground as a decision cites it, with the list version it came from."""
    listing = ground["list"]
    return (f"{ground['title']}：{ground['law']}{ground['article']}（{ground['excerpt']}）"
            f"〔《{listing['title']}》第 {listing['version']} 版〕")
