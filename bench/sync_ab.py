"""CPU per synced record of an earlier commit and of this tree, side by side in one run: the
commit is exported (git archive) to a scratch folder and `bench.sync_costs` runs there and here
in turn, so that both see the same load on a shared machine.

    .venv/bin/python -m bench.sync_ab [--rev eb2ab83] [--rounds 2]

Prints each round's whole-batch figure (batches of 50, in-process, µs CPU per record) and the
best of each side, with the load average at the start.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WHOLE = re.compile(r"whole sync of a batch of 50, in-process \(CPU\)\s+([\d,]+)")


def whole_us(folder: Path) -> int:
    out = subprocess.run([sys.executable, "-m", "bench.sync_costs"], cwd=folder, capture_output=True,
                         text=True, check=True).stdout
    return int(WHOLE.search(out).group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", default="HEAD~1")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="fieldcase-ab-"))
    try:
        archive = subprocess.run(["git", "archive", args.rev], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(scratch)], input=archive, check=True)
        print(f"load average {os.getloadavg()[0]:.1f} at the start")
        figures: dict[str, list[int]] = {args.rev: [], "this tree": []}
        for _ in range(args.rounds):
            figures[args.rev].append(whole_us(scratch))
            figures["this tree"].append(whole_us(ROOT))
        for side, values in figures.items():
            print(f"{side}: {', '.join(f'{v:,}' for v in values)} µs CPU/record (best {min(values):,})")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
