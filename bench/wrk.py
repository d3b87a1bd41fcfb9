"""What the benchmarks that drive wrk (C) share: a logged-in session's headers for it, the
command line's -H arguments, and its printed summary read back (rate, latency, failures)."""
from __future__ import annotations

import re

import requests


def session_headers(session: requests.Session) -> dict[str, str]:
    """The headers that make wrk's requests those of `session` (logged in): CSRF token, cookies."""
    return {"X-CSRF-Token": session.headers["X-CSRF-Token"],
            "Cookie": "; ".join(f"{c.name}={c.value}" for c in session.cookies)}


def header_args(headers: dict[str, str]) -> list[str]:
    """wrk's -H arguments for `headers`."""
    return [arg for name, value in headers.items() for arg in ("-H", f"{name}: {value}")]


def read_summary(out: str) -> dict:
    """wrk's printed summary (run with --latency): requests/s, p50 and p99 in ms, non-2xx/3xx
    answers (failures) and requests sent."""
    failures = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    # The latency distribution's lines, not a "+/- Stdev" column that happens to end in 50%.
    p50, p99 = (re.search(rf"^\s*{q}%\s+([\d.]+\w+)\s*$", out, re.M) for q in (50, 99))
    if p50 is None or p99 is None:
        raise RuntimeError(f"wrk measured no latency (no answer came?):\n{out}")
    return {"per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50_ms": _ms(p50.group(1)), "p99_ms": _ms(p99.group(1)),
            "failures": int(failures.group(1)) if failures else 0,
            "requests": int(re.search(r"(\d+) requests in", out).group(1))}


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]
