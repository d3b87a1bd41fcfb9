"""A process's resident memory (RSS), as the limits on workers and decoding children count it."""
from __future__ import annotations

import os

_PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory of process `pid` (this one by default) in MiB; 0.0 where it cannot be read
    (the process is gone, or the system has no /proc). One small read: cheap enough per request."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE_MB
    except (OSError, IndexError, ValueError):
        return 0.0
