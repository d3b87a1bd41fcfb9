"""Test support shared by tests/ and bench/: the personas' password and cheap hashing, logging in
(`accounts`), gunicorn on loopback (`live`), a tus client (`tus`), records as a phone sends them
(`records`), evidence files made in code (`media`), a case walked through its steps (`cases`) and
the standalone verifiers run with the standard library alone (`stdlib_only`), and the plain
reference implementations the fast ones are fuzz-tested against (`references`).

bench/ imports from here and never from tests/; tests/ keeps re-exporting the old names
(tests/conftest.py, tests/factories.py, tests/evidence/conftest.py, tests/evidence/samples.py).
"""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The password of every test persona and of the bench's officers.
PASSWORD = "correct-horse-battery"
# Argon2 at its cheapest in tests: hashing cost is not what they test.
FAST_HASHING = {"ARGON2_MEMORY_KIB": 1024, "ARGON2_TIME_COST": 1}
