"""Over many seeds, every eligible target is drawn with its class's probability and no eligible
officer is starved.

Targets: in one draw a class of n eligible targets gives k = quota(share, n) of them, all k-subsets
equally likely if HMAC-SHA256 behaves as a random function. Over R seeds, target i's count O_i
has mean R·p (p = k/n) and, because exactly k are taken each time, the counts are negatively
correlated: Cov = R·p(1-p)·(n/(n-1))·(I - J/n). So
    X² = Σ (O_i - R·p)² / (R·p(1-p)·n/(n-1))
follows χ² with n-1 degrees of freedom (Pearson's statistic for sampling without replacement).
We fail the test when X² exceeds the 0.999 quantile (Wilson–Hilferty approximation, accurate to
well under 1 % at these degrees of freedom): a correct draw fails once in a thousand runs, a
biased one (a target favoured by its id, a class's quota off by one) fails almost surely.
The seeds are fixed (SHA-256 of the run's number), so the test is reproducible.

Officers: the twelve sample officers each hold two of three domains in a symmetric pattern, so each
should get the same share of all assignments; each must get within 15 % of the mean (seen:
within 5 %, the domains' targets are not quite even; a starved officer gets far less).
Measured: X² = 101.7, 59.6, 30.3 for classes A, B, C against limits 148.3, 98.4, 58.4.
"""
from __future__ import annotations

import hashlib
import time
from statistics import NormalDist

from server.draws import algorithm as alg

from .sample import sample_inputs

RUNS = 2000


def chi2_quantile(df: int, q: float) -> float:
    """Wilson–Hilferty: (χ²/df)^(1/3) is nearly normal with mean 1-2/(9df), variance 2/(9df)."""
    z = NormalDist().inv_cdf(q)
    h = 2 / (9 * df)
    return df * (1 - h + z * h ** 0.5) ** 3


def test_targets_drawn_with_their_class_probability_and_officers_not_starved():
    inputs = sample_inputs()
    counts = {t["id"]: 0 for t in inputs["targets"]}
    loads = {o["id"]: 0 for o in inputs["officers"]}
    unassigned = 0
    started = time.monotonic()
    for run in range(RUNS):
        seed = hashlib.sha256(f"run {run}".encode()).digest()
        for row in alg.run_draw(inputs, seed):
            counts[row["target"]] += 1
            unassigned += "unassigned" in row
            for oid in row["officers"]:
                loads[oid] += 1
    elapsed = time.monotonic() - started
    assert unassigned == 0
    for cls, rule in inputs["rules"]["classes"].items():
        members = [t["id"] for t in inputs["targets"] if t["class"] == cls]
        n = len(members)
        k = alg.quota(rule, n)
        p = k / n
        if p == 1:
            assert all(counts[t] == RUNS for t in members), cls
            continue
        variance = RUNS * p * (1 - p) * n / (n - 1)
        statistic = sum((counts[t] - RUNS * p) ** 2 for t in members) / variance
        limit = chi2_quantile(n - 1, 0.999)
        assert statistic < limit, f"class {cls}: X²={statistic:.1f} over {limit:.1f} (df {n - 1})"
        assert sum(counts[t] for t in members) == RUNS * k
    mean = sum(loads.values()) / len(loads)
    for oid, load in loads.items():
        assert abs(load - mean) < 0.15 * mean, f"officer {oid}: {load} assignments, mean {mean:.0f}"
    assert elapsed < 20, f"{RUNS} draws took {elapsed:.1f} s"


def test_the_chi2_test_catches_a_biased_draw():
    # The same statistic on a draw that favours low ids (sorted by id, not by HMAC) must fail.
    n, k = 100, 3
    counts = [0] * n
    for run in range(RUNS):
        seed = hashlib.sha256(f"run {run}".encode()).digest()
        # biased: the first target always, two others at random
        keyed = sorted(range(1, n), key=lambda i: alg._key(seed, str(i)))
        for i in [0, *keyed[:k - 1]]:
            counts[i] += 1
    p = k / n
    statistic = sum((c - RUNS * p) ** 2 for c in counts) / (RUNS * p * (1 - p) * n / (n - 1))
    assert statistic > chi2_quantile(n - 1, 0.999)
