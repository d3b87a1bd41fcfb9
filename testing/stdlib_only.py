"""Running a standalone verifier as the public would: a fresh interpreter (`-I`) in which every
module but the standard library and `server` itself refuses to import."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BARE_RUN = """
import importlib.abc, runpy, sys
STDLIB = set(sys.stdlib_module_names) | {"server"}
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] not in STDLIB:
            raise ImportError(f"{name} must not be needed by the verifier")
sys.meta_path.insert(0, Refuse())
sys.path.insert(0, sys.argv.pop(1))
module = sys.argv.pop(1)
sys.argv[0] = module
runpy.run_module(module, run_name="__main__")
"""


def run_with_stdlib_only(module: str, *args) -> subprocess.CompletedProcess:
    """`python -m module args…` with nothing importable but the standard library and server/."""
    return subprocess.run([sys.executable, "-I", "-c", BARE_RUN, str(ROOT), module, *map(str, args)],
                          capture_output=True, text=True, timeout=60)
