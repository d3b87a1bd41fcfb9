"""`bench.sync_costs`' split of a sync batch by stage (issue 19: the profile of what is left, per
step) adds up to the whole it measured, times every stage it names, and leaves the server's
functions as they were: a benchmark that left its timers in would slow every later test."""
from __future__ import annotations

import math
import time

from bench import sync_costs
from server.inspections import checks, service, sync_rows


def test_the_stages_and_what_lies_outside_them_add_up_to_the_whole():
    figures = sync_costs.stages(batches=1, rounds=2)

    stages = figures["stages"]
    assert set(stages) == {label for label, *_ in sync_costs.STAGES} | {sync_costs.OUTSIDE}
    assert all(us > 0 for label, us in stages.items() if label != sync_costs.OUTSIDE), stages
    assert stages[sync_costs.OUTSIDE] >= 0  # Flask, the session and the request's schema
    assert math.isclose(sum(stages.values()), figures["timed_whole_us"], rel_tol=1e-9)
    table = sync_costs.stage_rows(figures)
    assert table[-1][0] == "whole, with the stage timers set"
    assert [row[0] for row in table[:-1]] == sorted(stages, key=lambda label: -stages[label])


def test_a_stage_nested_in_another_counts_in_the_inner_one_only(monkeypatch):
    label = {attribute: label for label, _, _, attribute in sync_costs.STAGES}
    # check_record calls validate_answers: here the inner one spins for 50 ms of CPU.
    monkeypatch.setattr(checks, "validate_answers", _busy_for(0.05))
    monkeypatch.setattr(checks, "check_record", lambda: checks.validate_answers())
    totals: dict[str, float] = {}
    with sync_costs.timed_stages(totals):
        checks.check_record()
    assert totals[label["validate_answers"]] >= 0.05
    assert totals[label["check_record"]] < 0.01
    assert set(totals) == {label["validate_answers"], label["check_record"]}


def test_the_timers_are_taken_off_afterwards():
    def timed_functions():
        return (service._load_valid_record, service.sync_batch, checks.check_record,
                checks.BatchLookups.__init__, sync_rows.Rows.__dict__["of"], sync_rows.Rows.bind_ahead,
                sync_rows.record_events)

    before = timed_functions()
    with sync_costs.timed_stages({}):
        assert service._load_valid_record is not before[0]
        assert isinstance(sync_rows.Rows.__dict__["of"], classmethod)
    assert timed_functions() == before


def _busy_for(seconds: float):
    def busy():
        end = time.thread_time() + seconds
        while time.thread_time() < end:
            pass
    return busy
