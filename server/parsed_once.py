"""Definition folders (forms/, discretion/) parsed once per process: building an app again (each
test app, a CLI command) hashes the files but parses nothing twice, and an edited file is parsed
again. Keyed by folder, so that one kind of definition never evicts another."""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
_parsed: dict[str, tuple[tuple, object]] = {}


def parsed_once(folder: Path, pattern: str, parse: Callable[[Path], T]) -> T:
    """parse(folder), or what it gave last time for these files (names and bytes, `pattern`)."""
    files = tuple((str(p), hashlib.sha256(p.read_bytes()).hexdigest())
                  for p in sorted(folder.rglob(pattern)) if p.is_file())
    cached = _parsed.get(str(folder))
    if cached is None or cached[0] != files:
        cached = _parsed[str(folder)] = (files, parse(folder))
    return cached[1]
