"""Which files a run reads: symbolic links, letter case, special files (issue 10).

Nothing below a directory that could be a manifest is skipped silently: it is read, or it is a
located problem. Special files are refused without blocking or reading them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .conftest import cli as run
from .conftest import shotkit, upgraded

SHOT = "shotkit: 1\nworkspace: w\nshots:\n  {key}: {{name: {key}}}\n"


def shot_file(path: Path, key: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(SHOT.format(key=key))


def test_every_letter_case_of_the_suffix_is_read(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    for name, key in (("a.yaml", "s1"), ("b.YAML", "s2"), ("c.Yml", "s3"), ("d.yml", "s4")):
        shot_file(tmp_path / name, key)
    (tmp_path / "notes.txt").write_text("not a manifest")
    code, out, _ = run(capsys, "validate", str(tmp_path))
    assert code == 0 and out.strip() == "4 file(s) checked: 0 error(s), 0 warning(s)"


def test_symlinked_directories_inside_are_read_once_and_cycles_end(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    shot_file(tmp_path / "real" / "a.yaml", "s1")
    shot_file(tmp_path / "b.yaml", "s2")
    (tmp_path / "linked").symlink_to(tmp_path / "real", target_is_directory=True)
    (tmp_path / "real" / "loop").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "c.yaml").symlink_to(tmp_path / "b.yaml")
    code, out, _ = run(capsys, "validate", str(tmp_path))
    assert code == 0 and out.strip() == "2 file(s) checked: 0 error(s), 0 warning(s)"


def test_a_link_is_followed_to_a_directory_not_otherwise_read(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    shot_file(tmp_path / ".store" / "a.yaml", "s1")  # hidden: read only through the link
    (tmp_path / "shots").symlink_to(tmp_path / ".store", target_is_directory=True)
    code, out, _ = run(capsys, "validate", str(tmp_path))
    assert code == 0 and out.strip() == "1 file(s) checked: 0 error(s), 0 warning(s)"


def test_links_leading_outside_are_problems_not_skips(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    shot_file(tmp_path / "elsewhere" / "a.yaml", "s1")
    project = tmp_path / "project"
    shot_file(project / "b.yaml", "s2")
    (project / "shared").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (project / "zero.yaml").symlink_to("/dev/zero")
    monkeypatch.chdir(project)
    code, out, _ = run(capsys, "validate")
    assert code == 1
    assert out.splitlines()[:2] == [
        "shared:1:1: symbolic link leads outside .; shotkit follows links only inside the directory it reads (name the target directly to read it)",
        "zero.yaml:1:1: symbolic link leads outside .; shotkit follows links only inside the directory it reads (name the target directly to read it)",
    ]


@pytest.mark.parametrize("special", ["/dev/zero", "/dev/null"])
def test_devices_are_refused_without_reading(special: str, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "validate", special)
    assert code == 1
    assert (
        out.splitlines()[0]
        == f"{special}:1:1: not a regular file (a character device); shotkit reads only regular files"
    )


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "a.yaml")
    shot_file(tmp_path / "b.yaml", "s1")
    (tmp_path / "c.yaml").write_text("shotkit: 1\nworkspace: w\nscripts:\n  s: {name: S, file: pipe.txt}\n")
    os.mkfifo(tmp_path / "pipe.txt")
    # a subprocess with a bound: before the fix, reading the FIFO blocked forever
    done = shotkit("validate", ".", cwd=tmp_path, timeout=60)
    assert done.returncode == 1
    assert (
        "a.yaml:1:1: not a regular file (a named pipe); shotkit reads only regular files"
        in done.stdout.splitlines()
    )
    assert (
        "c.yaml:4:22: script file 'pipe.txt': not a regular file (a named pipe); shotkit reads only regular files"
        in done.stdout.splitlines()
    )


def test_shots_under_links_and_upper_case_suffixes_are_synced_and_not_pruned(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    project = tmp_path / "project"
    shot_file(project / "real" / "a.yaml", "s1")
    shot_file(project / "B.YAML", "s2")
    (project / "linked").symlink_to(project / "real", target_is_directory=True)
    (project / "real" / "a.yaml").rename(project / "real" / "A.Yml")
    upgraded(sqlite_url, project)
    assert run(capsys, "sync", str(project), "--database-url", sqlite_url)[0] == 0
    code, out, _ = run(capsys, "plan", str(project), "--database-url", sqlite_url, "--prune")
    assert code == 0 and "No changes." in out


def test_a_file_name_cannot_forge_output_lines(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "a.yaml\nb.yaml:1:1: forged\x1b[2K.yaml").write_text(
        "shotkit: 1\nworkspace: w\nshots:\n  s: {name: S, bogus: 1}\n"
    )
    code, out, _ = run(capsys, "validate", str(tmp_path))
    assert code == 1
    [problem, summary] = out.splitlines()
    assert problem.endswith(
        "a.yaml\\nb.yaml:1:1: forged\\x1b[2K.yaml:4:16: shots.s.bogus: unknown field 'bogus'"
    )
    assert summary.startswith("1 file(s) checked")


def test_a_project_file_that_is_not_a_regular_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    shot_file(tmp_path / "a.yaml", "s1")
    os.mkfifo(tmp_path / "shotkit.yaml")  # was skipped silently: the project's types and owner lost
    code, out, _ = run(capsys, "validate", str(tmp_path))
    assert code == 1
    assert out.splitlines()[0].endswith(
        "shotkit.yaml:1:1: not a regular file (a named pipe); shotkit reads only regular files"
    )


def test_a_directory_named_as_a_file_is_refused_without_an_internal_error(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    # os.fdopen refuses a directory's descriptor (IsADirectoryError) before fstat could tell
    (tmp_path / "c.yaml").write_text("shotkit: 1\nworkspace: w\nscripts:\n  s: {name: S, file: notes}\n")
    (tmp_path / "notes").mkdir()
    code, out, err = run(capsys, "validate", str(tmp_path))
    assert (code, err) == (1, "")
    assert out.splitlines()[0].endswith(
        "c.yaml:4:22: script file 'notes': not a regular file (a directory); shotkit reads only regular files"
    )
    (tmp_path / "shotkit.yaml").mkdir()
    code, out, err = run(capsys, "validate", str(tmp_path))
    assert (code, err) == (1, "")
    assert out.splitlines()[0].endswith(
        "shotkit.yaml:1:1: not a regular file (a directory); shotkit reads only regular files"
    )


def test_fmt_rewrites_the_file_a_link_leads_to_and_keeps_the_link(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    (tmp_path / ".store").mkdir()
    (tmp_path / ".store" / "s.yaml").write_text("shotkit: 1\nworkspace: w\nshots: {s1: {name: One}}\n")
    (tmp_path / "shots.yaml").symlink_to(tmp_path / ".store" / "s.yaml")
    (tmp_path / "z.yaml").write_text("shotkit: 1\nworkspace: w\nshots: {s2: {name: Two}}\n")
    (tmp_path / "a.yaml").symlink_to(tmp_path / "z.yaml")  # sorts first, but the real file is the one read
    code, out, _ = run(capsys, "fmt", str(tmp_path))
    assert code == 0 and "reformatted" in out and "a.yaml" not in out
    assert (tmp_path / "shots.yaml").is_symlink() and (tmp_path / "a.yaml").is_symlink()
    assert (
        tmp_path / ".store" / "s.yaml"
    ).read_text() == "shotkit: 1\nworkspace: w\nshots:\n  s1:\n    name: One\n"
    assert run(capsys, "validate", str(tmp_path))[0] == 0
