"""`python -m server.verify_draw` on a plan.json: passes as drawn, fails on each tampering and
names what differs. The server-published plan.json is checked in test_plan_flow.py."""
from __future__ import annotations

import copy
import json
import subprocess

import pytest

from server.draws import algorithm as alg
from server.verify_draw import verify_draw
from testing.stdlib_only import run_with_stdlib_only

from .sample import sample_document


def run_bare(*args) -> subprocess.CompletedProcess:
    """`python -m server.verify_draw args…` with the standard library alone importable."""
    return run_with_stdlib_only("server.verify_draw", *args)


def test_an_untouched_draw_passes_with_the_standard_library_alone(tmp_path):
    document = sample_document()
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    run = run_bare(path, "--commitment", document["commitment"]["digest"])
    assert run.returncode == 0, run.stdout + run.stderr
    assert "通过 the draw is verified" in run.stdout


def _first_drawn(document, cls="A"):
    return next(r for r in document["draw"]["result"] if r["class"] == cls)


def _drop_drawn_target(doc):
    drawn = _first_drawn(doc)["target"]
    doc["inputs"]["targets"] = [t for t in doc["inputs"]["targets"] if t["id"] != drawn]
    return [drawn, "target list"]


def _swap_officer_domain(doc):
    row = _first_drawn(doc, "D")
    officer = next(o for o in doc["inputs"]["officers"] if o["id"] == row["officers"][0])
    officer["domains"] = ["ships"]
    return ["officer list", f"target {row['target']}"]


def _change_seed(doc):
    doc["draw"]["seed"] = "12" * 32
    return ["seed: SHA-256 of the revealed seed"]


def _change_witness(doc):
    doc["draw"]["witness_value"] = "福彩3D 2026331: 4 0 8"
    return ["witness value"]


def _change_result(doc):
    row = _first_drawn(doc, "B")
    row["officers"] = ["O10", "O11"] if row["officers"] != ["O10", "O11"] else ["O08", "O09"]
    return [f"target {row['target']}: published officers"]


def _remove_conflict(doc):
    doc["inputs"]["conflicts"] = []
    return ["conflict list"]


def _rehash_changed_targets(doc):
    # Whoever changes a list and its hash in the file is caught by the published digest.
    doc["inputs"]["targets"].pop()
    doc["commitment"]["inputs_sha256"] = alg.input_hashes(doc["inputs"])
    return ["commitment digest"]


def _unexclude(doc):
    doc["inputs"]["excluded"].append({"kind": "target", "id": doc["inputs"]["targets"][5]["id"],
                                      "reason": "inspected_within_window"})
    return ["listed as excluded", "exclusion list"]


TAMPERINGS = [_drop_drawn_target, _swap_officer_domain, _change_seed, _change_witness, _change_result,
              _remove_conflict, _rehash_changed_targets, _unexclude]


@pytest.mark.parametrize("tamper", TAMPERINGS)
def test_a_tampered_draw_fails_and_names_what_differs(tamper):
    document = sample_document()
    digest = document["commitment"]["digest"]
    assert verify_draw(copy.deepcopy(document), digest).ok
    named = tamper(document)
    report = verify_draw(document, digest)
    assert not report.ok
    text = "\n".join(report.problems)
    for part in named:
        assert part in text, text


def test_the_command_exits_1_and_prints_the_cause(tmp_path):
    document = sample_document()
    _change_witness(document)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    run = run_bare(path)
    assert run.returncode == 1
    assert "[失败 FAIL] final seed" in run.stdout and "witness value" in run.stdout


def test_an_unreadable_file_exits_2(tmp_path):
    path = tmp_path / "plan.json"
    path.write_text("{\"format\": \"other\"}", encoding="utf-8")
    assert run_bare(path).returncode == 2
