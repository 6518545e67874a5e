"""Memory bounds on hostile or large input, measured in a child process (issue 10).

Each case runs `shotkit validate` in a subprocess under an address-space limit (so a
regression fails the test instead of exhausting the machine) and reads the child's peak RSS.
No timing is asserted: `python -m benchmarks.positions` measures the speed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from benchmarks.validate import production
from shotkit import yamlio

CHILD = """
import json, resource, sys
def peak_mib():  # VmHWM: this process's own peak; ru_maxrss would count the parent's at fork
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30))
from shotkit import pipeline
from pathlib import Path
loaded = pipeline.load([Path(sys.argv[1])], max_file_size=32 * 2**20)
peak = peak_mib()
print(json.dumps({"problems": [str(p) for p in loaded.problems], "peak_mib": peak}))
"""


def validate_in_child(path: Path) -> tuple[list[str], int]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    return result["problems"], result["peak_mib"]


def test_aliases_are_bounded_in_bytes_not_only_nodes(tmp_path: Path) -> None:
    # 136 kB of text: 9,000 aliases of one 100 kB scalar. Before the bound it validated,
    # at 914 MiB peak, and would have synced 900 MB of metadata.
    aliases = ", ".join(["*a"] * 9000)
    (tmp_path / "a.yaml").write_text(
        f'shotkit: 1\nworkspace: w\ncharacters:\n  c:\n    name: C\n    metadata:\n      big: &a "{"x" * 100_000}"\n      many: [{aliases}]\n'
    )
    problems, peak = validate_in_child(tmp_path)
    assert problems == [
        f"{tmp_path / 'a.yaml'}:8:682: aliases expand past the limit of {yamlio.MAX_ALIAS_BYTES} bytes (a 'billion laughs' file?)"
    ]
    assert peak < 150


def big_manifest(shots: int) -> str:
    merged: dict = {"shotkit": 1, "workspace": "bench"}
    for data in production(shots).values():
        for key, value in data.items():
            if isinstance(value, dict):
                merged.setdefault(key, {}).update(value)
    return yamlio.dump(merged)


def test_position_pass_on_a_large_file_keeps_memory_bounded(tmp_path: Path) -> None:
    # 3.4 MiB, one problem in the last take: the position pass composed PyYAML's node tree
    # of the whole file (231 MiB peak here; 1.9 GB for 16 MiB); now it streams events.
    text = big_manifest(2000)
    assert len(text) > yamlio.PRECISE_POSITIONS
    (tmp_path / "a.yaml").write_text(text.rstrip("\n") + "\n        bogus: 1\n")
    problems, peak = validate_in_child(tmp_path)
    takes_line = text[: text.rindex("    takes:")].count("\n") + 1
    # located at the last shot's `takes:` list: the deepest position kept for a large file
    assert problems == [
        f"{tmp_path / 'a.yaml'}:{takes_line + 1}:7: shots.s01999A.takes[2].bogus: unknown field 'bogus'"
    ]
    assert peak < 170
