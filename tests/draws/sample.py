"""Synthetic draw inputs and a plan.json built from them with the algorithm's own functions."""
from __future__ import annotations

import copy

from server.draws import algorithm as alg

DOMAINS = ("road_transport", "dangerous_goods", "vehicle_repair")
SHARES = {"A": {"share": "0.03"}, "B": {"share": "0.05"}, "C": {"share": "0.10"},
          "D": {"share": "1"}}


def sample_inputs(per_class=None, officers=12) -> dict:
    """Targets of every class across three domains, officers certified for one or two domains."""
    per_class = per_class or {"A": 100, "B": 60, "C": 30, "D": 4}
    targets = []
    for cls, count in sorted(per_class.items()):
        for i in range(count):
            targets.append({"id": f"T-{cls}{i:03d}", "class": cls, "domain": DOMAINS[i % 3],
                            "last_pair": []})
    people = [{"id": f"O{i:02d}", "domains": sorted({DOMAINS[i % 3], DOMAINS[(i + 1) % 3]}),
               "team": f"team{i % 2}"} for i in range(officers)]
    targets[0]["last_pair"] = ["O00", "O01"]
    return {"targets": targets, "officers": people,
            "conflicts": [{"officer": "O02", "target": "T-D000"}],
            "excluded": [{"kind": "target", "id": "T-X999", "reason": "inspected_within_window"},
                         {"kind": "officer", "id": "O99", "reason": "certificate_expired"}],
            "rules": {"classes": copy.deepcopy(SHARES), "officers_per_target": 2}}


def sample_document(inputs=None, seed_hex="11" * 32, witness="福彩3D 2026331: 4 0 7") -> dict:
    inputs = inputs or sample_inputs()
    hashes = alg.input_hashes(inputs)
    seed_sha256 = alg.seed_commitment(seed_hex)
    final = alg.final_seed(seed_hex, witness)
    return {"format": alg.FORMAT, "plan": {"number": "SAMPLE-1"}, "inputs": inputs,
            "commitment": {"seed_sha256": seed_sha256, "inputs_sha256": hashes,
                           "digest": alg.commitment_digest(seed_sha256, hashes)},
            "draw": {"seed": seed_hex, "witness_value": witness, "final_seed": final.hex(),
                     "result": alg.run_draw(inputs, final)}}
