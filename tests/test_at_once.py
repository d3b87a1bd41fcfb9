"""testing/concurrent.at_once, which the race tests rely on: no call starts before every thread
is ready, results come back in order, and a call's exception reaches the test."""
from __future__ import annotations

import threading

import pytest

from testing.concurrent import at_once


def test_every_call_is_started_before_any_ends_and_results_keep_their_order():
    ready, everyone = [], threading.Event()

    def call(i):
        ready.append(i)
        if len(ready) == 5:
            everyone.set()
        assert everyone.wait(10), "a call ran alone: the others had not started"
        return i * i

    assert at_once([lambda i=i: call(i) for i in range(5)]) == [0, 1, 4, 9, 16]


def test_a_call_that_raises_fails_the_test_after_the_others_end():
    ended = []

    def fine():
        ended.append(True)
        return "ok"

    def broken():
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        at_once([fine, broken, fine])
    assert ended == [True, True]


def test_a_call_still_running_after_the_timeout_fails():
    release = threading.Event()
    with pytest.raises(AssertionError, match="1 of 2 calls still running"):
        at_once([lambda: None, lambda: release.wait(5)], timeout=0.5)
    release.set()
