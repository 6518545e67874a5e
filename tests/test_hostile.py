"""Folder-driven: every file under tests/hostile/ is a manifest a hostile pull request could send.

For each file, `shotkit validate` must answer with located one-line problems (or none), never
an internal error, within an address-space limit; the files that validate are exactly the
ones listed in ACCEPTED, and each of those must then sync to both real databases (a value that
validates but a database refuses is a bypass). Add a case by adding a file."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import run_main, upgraded

HOSTILE = Path(__file__).parent / "hostile"
CASES = sorted(p.name for p in HOSTILE.iterdir() if p.is_file())
ACCEPTED = {
    "alias-small-ok.yaml",
    "ansi-escape.yaml",
    "attempt-max-ok.yaml",
    "crlf.yaml",
    "digit-keys-valid.yaml",
    "int64-edges-ok.yaml",
    "long-line.yaml",
    "markdown-fence-name.yaml",
    "newline-key-metadata.yaml",
    "sql-quotes.yaml",
    "str-tag-ok.yaml",
    "unicode-controls.yaml",
    "verbatim-tag.yaml",
    "version-float.yaml",
    "yaml-1-1-directive.yaml",
    "yaml11-bools-text.yaml",
    "yaml11-sexagesimal-text.yaml",
}
CHILD = """
import contextlib, io, json, resource, sys
def peak_mib():  # VmHWM: this process's own peak; ru_maxrss would count the parent's at fork
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, (1536 * 2**20, 1536 * 2**20))
resource.setrlimit(resource.RLIMIT_CPU, (300, 300))
from shotkit.cli import main
results = {}
for name in sys.argv[2:]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", name])
    results[name] = {"code": code, "out": out.getvalue(), "err": err.getvalue()}
peak = peak_mib()
print(json.dumps({"results": results, "peak_mib": peak}))
"""
LOCATED = re.compile(r"^(?P<file>[^:\n]+):[1-9][0-9]*:[1-9][0-9]*: (warning: )?\S")
SUMMARY = re.compile(r"^1 file\(s\) checked: [0-9]+ error\(s\), [0-9]+ warning\(s\)$")


@pytest.fixture(scope="module")
def validated() -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(HOSTILE), *CASES],
        cwd=HOSTILE,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    outcome = json.loads(done.stdout)
    assert outcome["peak_mib"] < 200, "the hostile corpus needed more memory than it should"
    return outcome["results"]


@pytest.mark.parametrize("name", CASES)
def test_only_located_problems(name: str, validated: dict) -> None:
    result = validated[name]
    assert result["err"] == ""  # no "internal error", no traceback
    lines = result["out"].splitlines()
    assert SUMMARY.match(lines[-1])
    for line in lines[:-1]:
        match = LOCATED.match(line)
        assert match and match["file"] == name, line
    assert result["code"] == (0 if name in ACCEPTED else 1)


def test_what_validates_also_syncs_on_both_databases(
    any_url: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    upgraded(any_url, tmp_path)
    for name in sorted(ACCEPTED):
        project = tmp_path / name
        project.mkdir()
        (project / name).write_bytes((HOSTILE / name).read_bytes())
        code = run_main(["sync", str(project), "--database-url", any_url])
        _, err = capsys.readouterr()
        assert (name, code, err) == (name, 0, "")
