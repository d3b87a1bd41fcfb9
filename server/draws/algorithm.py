"""The draw of a random inspection plan (双随机): which targets, and which two officers each.

STANDARD LIBRARY ONLY. The server runs this module to draw a plan, and the public re-runs the very
same file with `python -m server.verify_draw plan.json` (docs/draw.md describes it precisely
enough to reimplement it in another language). Nothing here reads a clock, a database or a random
source: the result is a function of the published inputs and the final seed alone.
The quarterly sample of closed files for 案卷评查 (`run_sample`, at the end) uses the same
commitment and final seed over other inputs; `python -m server.verify_review_sample` re-runs it.

Inputs (each a canonical JSON value, hashed and published before the draw):
- `targets`: [{"id", "class", "domain", "last_pair": [officer id, officer id] or []}], the
  eligible targets (exclusions already applied);
- `officers`: [{"id", "domains": [...], "team"}], the eligible officers (certified, available);
- `conflicts`: [{"officer", "target"}], declared conflicts of interest (回避);
- `excluded`: [{"kind": "target"|"officer", "id", "reason"}], what was left out and why (published
  so that anyone can see nobody was dropped silently; the draw itself does not read it);
- `rules`: {"classes": {class: {"share": "0.03"} or {"count": 5}}, "officers_per_target": 2}.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from fractions import Fraction
from itertools import combinations
from math import ceil

FORMAT = "fieldcase-draw/v1"
INPUT_NAMES = ("targets", "officers", "conflicts", "excluded", "rules")
PAIR_SIZE = 2
SEED_BYTES = 32


def canonical_bytes(value) -> bytes:
    """UTF-8 JSON with sorted keys and no insignificant white space (as audit/canonical.py)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def input_hashes(inputs: dict) -> dict[str, str]:
    """SHA-256 of each input list's canonical bytes, by name."""
    return {name: sha256_hex(canonical_bytes(inputs[name])) for name in INPUT_NAMES}


def seed_commitment(seed_hex: str) -> str:
    """What is published before the draw: SHA-256 of the secret seed's 32 bytes."""
    return sha256_hex(bytes.fromhex(seed_hex))


def commitment_digest(seed_sha256: str, hashes: dict[str, str]) -> str:
    """One value naming the whole commitment (seed commitment and every input hash)."""
    return sha256_hex(canonical_bytes({"seed_sha256": seed_sha256, "inputs_sha256": hashes}))


def final_seed(seed_hex: str, witness_value: str) -> bytes:
    """SHA-256(secret seed bytes ‖ UTF-8 bytes of the witness's public value)."""
    return hashlib.sha256(bytes.fromhex(seed_hex) + witness_value.encode("utf-8")).digest()


def _key(seed: bytes, message: str) -> bytes:
    return hmac.new(seed, message.encode("utf-8"), hashlib.sha256).digest()


def quota(rule: dict, eligible: int) -> int:
    """How many of `eligible` targets a class rule draws: ceil(share × eligible), computed
    exactly from the share's decimal text, or the count; never more than there are."""
    if "count" in rule:
        wanted = int(rule["count"])
    else:
        wanted = ceil(Fraction(str(rule["share"])) * eligible)
    return max(0, min(wanted, eligible))


def select_targets(seed: bytes, targets: list[dict], rules: dict) -> list[dict]:
    """Per class (in sorted order), the class's quota of targets with the smallest
    HMAC-SHA256(seed, target id); returned in that per-class key order."""
    chosen = []
    classes = rules["classes"]
    for cls in sorted(classes):
        members = [t for t in targets if t["class"] == cls]
        members.sort(key=lambda t: (_key(seed, t["id"]), t["id"]))
        chosen.extend(members[:quota(classes[cls], len(members))])
    return chosen


def pair_officers(seed: bytes, chosen: list[dict], officers: list[dict],
                  conflicts: list[dict], size: int = PAIR_SIZE) -> list[dict]:
    """Officers for each chosen target, in order: the candidates are the officers certified for
    the target's domain without a declared conflict with it, sorted by (assignments so far in this
    draw, HMAC-SHA256(seed, "officer|<target id>|<officer id>"), id); the first group of `size`
    in lexicographic order of positions that is not the target's last pair is taken. A target
    with too few candidates gets no officers and a reason."""
    blocked = {(c["officer"], c["target"]) for c in conflicts}
    load = {o["id"]: 0 for o in officers}
    result = []
    for target in chosen:
        tid = target["id"]
        candidates = [o["id"] for o in officers
                      if target["domain"] in o["domains"] and (o["id"], tid) not in blocked]
        candidates.sort(key=lambda oid: (load[oid], _key(seed, f"officer|{tid}|{oid}"), oid))
        last = frozenset(target.get("last_pair") or ())
        group = _first_group(candidates, size, last)
        entry = {"target": tid, "class": target["class"], "officers": group or []}
        if group is None:
            entry["unassigned"] = ("too_few_officers" if len(candidates) < size
                                   else "only_last_pair")
        else:
            for oid in group:
                load[oid] += 1
        result.append(entry)
    return result


def _first_group(candidates: list[str], size: int, last: frozenset) -> list[str] | None:
    # Combinations of positions in lexicographic order: (0,1), (0,2), ..., (1,2), ...
    for positions in combinations(range(len(candidates)), size):
        group = [candidates[i] for i in positions]
        if frozenset(group) != last:
            return group
    return None


def run_draw(inputs: dict, seed: bytes) -> list[dict]:
    """The whole draw: [{"target", "class", "officers": [id, id], ("unassigned": reason)}]."""
    chosen = select_targets(seed, inputs["targets"], inputs["rules"])
    size = int(inputs["rules"].get("officers_per_target", PAIR_SIZE))
    return pair_officers(seed, chosen, inputs["officers"], inputs["conflicts"], size)


# The quarterly sample of closed files for 案卷评查 (case-file quality review): the same
# commitment, witness and final seed as a plan's draw (docs/draw.md §9), other inputs.
SAMPLE_FORMAT = "fieldcase-review-sample/v1"
SAMPLE_INPUT_NAMES = ("files", "rules")


def sample_hashes(inputs: dict) -> dict[str, str]:
    """SHA-256 of each of a review sample's inputs (`files`, `rules`), by name."""
    return {name: sha256_hex(canonical_bytes(inputs[name])) for name in SAMPLE_INPUT_NAMES}


def sample_size(rule: dict, eligible: int) -> int:
    """max(minimum, ⌈share × eligible⌉) computed exactly, never more than there are."""
    wanted = max(int(rule.get("minimum", 0)), ceil(Fraction(str(rule["share"])) * eligible))
    return max(0, min(wanted, eligible))


def run_sample(inputs: dict, seed: bytes) -> list[str]:
    """The files drawn for review: the `sample_size` files with the smallest
    HMAC-SHA256(seed, "review|<file id>"), ties on the id, in that order."""
    files = sorted(inputs["files"], key=lambda f: (_key(seed, "review|" + f["id"]), f["id"]))
    return [f["id"] for f in files[:sample_size(inputs["rules"], len(files))]]
