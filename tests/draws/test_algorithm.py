"""The draw's rules, one by one, on small inputs whose answer can be worked out by hand."""
from __future__ import annotations

import hashlib
import hmac

from server.draws import algorithm as alg

from .sample import sample_inputs

SEED = bytes(range(32))


def test_quota_is_exact_ceil_of_the_decimal_share():
    # 0.03 * 100 is 3.0000000000000004 in floating point; the draw must take 3, not 4
    assert alg.quota({"share": "0.03"}, 100) == 3
    assert alg.quota({"share": "0.05"}, 61) == 4
    assert alg.quota({"share": "0.1"}, 0) == 0
    assert alg.quota({"count": 5}, 3) == 3


def test_targets_sorted_by_hmac_of_their_id():
    targets = [{"id": f"t{i}", "class": "A", "domain": "d", "last_pair": []} for i in range(10)]
    chosen = alg.select_targets(SEED, targets, {"classes": {"A": {"count": 3}}})
    by_hand = sorted(targets, key=lambda t: hmac.new(SEED, t["id"].encode(), hashlib.sha256).digest())
    assert [t["id"] for t in chosen] == [t["id"] for t in by_hand[:3]]


def test_pairs_are_certified_unconflicted_and_not_the_last_pair():
    inputs = sample_inputs()
    seed = alg.final_seed("22" * 32, "w")
    result = alg.run_draw(inputs, seed)
    officers = {o["id"]: o for o in inputs["officers"]}
    targets = {t["id"]: t for t in inputs["targets"]}
    conflicts = {(c["officer"], c["target"]) for c in inputs["conflicts"]}
    assert len(result) == 3 + 3 + 3 + 4
    for row in result:
        target = targets[row["target"]]
        assert len(set(row["officers"])) == 2
        for oid in row["officers"]:
            assert target["domain"] in officers[oid]["domains"]
            assert (oid, target["id"]) not in conflicts
        assert set(row["officers"]) != set(target["last_pair"]) or not target["last_pair"]


def test_the_last_pair_is_not_sent_again():
    targets = [{"id": "t", "class": "A", "domain": "d", "last_pair": []}]
    officers = [{"id": o, "domains": ["d"], "team": "x"} for o in ("a", "b", "c")]
    rules = {"classes": {"A": {"count": 1}}}
    first = alg.run_draw({"targets": targets, "officers": officers, "conflicts": [], "rules": rules},
                         SEED)[0]["officers"]
    targets[0]["last_pair"] = list(first)
    again = alg.run_draw({"targets": targets, "officers": officers, "conflicts": [], "rules": rules},
                         SEED)[0]["officers"]
    assert set(again) != set(first)


def test_a_target_without_two_possible_officers_is_named_unassigned():
    targets = [{"id": "t", "class": "A", "domain": "d", "last_pair": ["a", "b"]},
               {"id": "u", "class": "A", "domain": "ships", "last_pair": []}]
    officers = [{"id": o, "domains": ["d"], "team": "x"} for o in ("a", "b")]
    result = alg.run_draw({"targets": targets, "officers": officers, "conflicts": [],
                           "rules": {"classes": {"A": {"count": 2}}}}, SEED)
    reasons = {row["target"]: row.get("unassigned") for row in result}
    assert reasons == {"t": "only_last_pair", "u": "too_few_officers"}


def test_load_is_balanced_within_a_draw():
    targets = [{"id": f"t{i}", "class": "D", "domain": "d", "last_pair": []} for i in range(6)]
    officers = [{"id": f"o{i}", "domains": ["d"], "team": "x"} for i in range(4)]
    result = alg.run_draw({"targets": targets, "officers": officers, "conflicts": [],
                           "rules": {"classes": {"D": {"share": "1"}}}}, SEED)
    loads = {}
    for row in result:
        for oid in row["officers"]:
            loads[oid] = loads.get(oid, 0) + 1
    assert sorted(loads.values()) == [3, 3, 3, 3]
