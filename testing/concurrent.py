"""Calls started at once, for the tests of races: each in its own thread, all released together
by one barrier, so that they reach the server (or the database) as nearly together as threads
can."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def at_once(calls: Sequence[Callable[[], T]], *, timeout: float = 60) -> list[T]:
    """Run every call in its own thread, released together once all have started; their results
    in order. Waits for all of them: a call still running after `timeout` seconds fails the test,
    and the first call that raised raises here."""
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    raised: list[BaseException | None] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            start.wait(timeout)
            results[index] = calls[index]()
        except BaseException as exc:  # noqa: BLE001 - raised again in the test's thread
            raised[index] = exc

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    running = sum(thread.is_alive() for thread in threads)
    assert not running, f"{running} of {len(calls)} calls still running after {timeout} s"
    for exc in raised:
        if exc is not None:
            raise exc
    return results
