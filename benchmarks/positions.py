"""Benchmark: the slow path (positions) and the hostile-input bounds, each in a child process.

    python -m benchmarks.positions [--mib 16]

Cases, each timed (wall clock) with the child's peak RSS:
  * one manifest of about --mib MiB with a single problem in its last take (the position pass
    walks the whole file; above yamlio.PRECISE_POSITIONS it keeps entry-level positions only);
  * the same file without the problem (the fast path, for comparison);
  * 136 kB of aliases that would expand to 900 MB (refused by the byte bound);
  * 2,000 shots whose references are all broken (did-you-mean lookups are bounded).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.validate import production
from shotkit import yamlio

CHILD = """
import json, resource, sys, time
def peak_mib():  # VmHWM: this process's own peak; ru_maxrss would count the parent's at fork
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
resource.setrlimit(resource.RLIMIT_AS, (4 * 2**30, 4 * 2**30))
from pathlib import Path
from shotkit import pipeline
start = time.perf_counter()
loaded = pipeline.load([Path(sys.argv[1])], max_file_size=64 * 2**20)
seconds = time.perf_counter() - start
peak = peak_mib()
print(json.dumps({"seconds": seconds, "peak_mib": peak, "problems": len(loaded.problems)}))
"""


def measure(path: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def one_file(mib: float, with_references: bool = True) -> str:
    shots = max(10, int(mib * 600))
    merged: dict = {"shotkit": 1, "workspace": "bench"}
    for data in production(shots).values():
        for key, value in data.items():
            if isinstance(value, dict) and (with_references or key == "shots"):
                merged.setdefault(key, {}).update(value)
    return yamlio.dump(merged)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=float, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        text = one_file(args.mib)
        cases = {
            "valid": text,
            "one problem": text.rstrip("\n") + "\n        bogus: 1\n",
            "alias bytes": 'shotkit: 1\nworkspace: w\ncharacters:\n  c:\n    name: C\n    metadata:\n      big: &a "'
            + "x" * 100_000
            + '"\n      many: ['
            + ", ".join(["*a"] * 9000)
            + "]\n",
            "broken refs": one_file(3.3, with_references=False),
        }
        print(
            f"one file of {len(text.encode()) / 2**20:.1f} MiB; precise positions up to {yamlio.PRECISE_POSITIONS / 2**20:.0f} MiB"
        )
        for name, body in cases.items():
            folder = root / name.replace(" ", "-")
            folder.mkdir()
            (folder / "a.yaml").write_text(body, encoding="utf-8")
            result = measure(folder)
            print(
                f"{name:<14} {len(body.encode()) / 2**20:7.2f} MiB  {result['seconds']:7.2f} s  {result['peak_mib']:6d} MiB peak  {result['problems']} problem(s)"
            )


if __name__ == "__main__":
    main()
