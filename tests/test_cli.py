"""The command line: output formats, exit codes, and no traceback for any user mistake."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shotkit.cli import cli

from .conftest import ROOT, shotkit
from .conftest import cli as run

INVALID = ROOT / "tests" / "manifests" / "invalid"


def test_validate_demo(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "validate", str(ROOT / "manifests"))
    assert code == 0
    assert out.strip() == "1 file(s) checked: 0 error(s), 0 warning(s)"


def test_validate_errors_exit_1_with_located_lines(
    capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(INVALID / "references")
    code, out, _ = run(capsys, "validate")
    assert code == 1
    assert (
        out.splitlines()[0]
        == "a.yaml:10:24: unknown character_ref 'heroo' in workspace 'w' (did you mean 'hero'?)"
    )


def test_validate_json_is_a_versioned_document(
    capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(INVALID / "takes")
    code, out, _ = run(capsys, "validate", "--format", "json")
    document = json.loads(out)
    assert code == 1
    assert document["format_version"] == 1 and document["valid"] is False
    assert document["problems"][0] == {
        "file": "a.yaml",
        "line": 8,
        "column": 32,
        "severity": "error",
        "message": "shot 's1' has more than one selected take (attempt 1 is selected too)",
    }
    assert document["problems"][-1]["severity"] == "warning"


def test_validate_github_annotations(capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(INVALID / "takes")
    code, out, _ = run(capsys, "validate", "--format", "github")
    assert code == 1
    lines = out.splitlines()
    assert (
        lines[0]
        == "::error file=a.yaml,line=8,col=32::shot 's1' has more than one selected take (attempt 1 is selected too)"
    )
    assert lines[-1].startswith("::warning file=a.yaml,line=12,col=5::")


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "--bogus"],
        ["nonsense"],
        ["validate", "--format", "xml"],
        ["plan", "--max-deletes", "many"],
    ],
)
def test_usage_errors_exit_1(capsys: pytest.CaptureFixture, args: list[str]) -> None:
    code, _, err = run(capsys, *args)
    assert code == 1
    assert "Traceback" not in err and err.strip()


def test_missing_path_is_a_located_error(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """A problem like any other (issue 8): on stdout with the others, in every format."""
    code, out, _ = run(capsys, "validate", str(tmp_path / "nope.yaml"))
    assert code == 1 and "nope.yaml:1:1: no such file or directory" in out


def test_every_command_has_help() -> None:
    def walk(group, prefix=""):
        for name, command in group.commands.items():
            yield prefix + name, command
            if hasattr(command, "commands"):
                yield from walk(command, prefix + name + " ")

    for name, command in walk(cli):
        assert command.help, f"`shotkit {name}` has no help text"


@pytest.mark.parametrize("case", sorted(p.name for p in INVALID.iterdir()))
def test_console_script_never_prints_a_traceback(case: str) -> None:
    result = shotkit("validate", ".", cwd=INVALID / case)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert "internal error" not in result.stdout + result.stderr


def test_graph_and_stats(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "graph", str(ROOT / "manifests"))
    assert code == 0 and out.startswith("flowchart LR") and "uses_audio 2" in out
    code, out, _ = run(capsys, "graph", "--format", "dot", str(ROOT / "manifests"))
    assert code == 0 and out.startswith("digraph production {")
    code, out, _ = run(capsys, "stats", "--format", "json", str(ROOT / "manifests"))
    stats = json.loads(out)
    assert stats["format_version"] == 1
    assert stats["takes"] == 2 and stats["selected_takes"] == 1
    assert stats["cost_by_model"] == {"minimax/video-01": 1.0}
    assert stats["character_usage"] == {"hero": 1, "villain": 1}


def test_fmt_check_and_rewrite(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("shotkit: 1\nworkspace: w\n# who\ncharacters: {hero: {name: 'Hero'}}\n")
    code, out, _ = run(capsys, "fmt", "--check", str(tmp_path))
    assert code == 1 and "would reformat" in out
    code, out, _ = run(capsys, "fmt", str(tmp_path))
    assert code == 0 and "reformatted" in out
    assert (
        tmp_path / "a.yaml"
    ).read_text() == "shotkit: 1\nworkspace: w\n# who\ncharacters:\n  hero:\n    name: Hero\n"
    code, _, _ = run(capsys, "fmt", "--check", str(tmp_path))
    assert code == 0


def test_demo_is_canonical(capsys: pytest.CaptureFixture) -> None:
    code, _, _ = run(capsys, "fmt", "--check", str(ROOT / "manifests"))
    assert code == 0


def test_readme_manifest_example_is_valid(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    example = readme.split("## A manifest")[1].split("```yaml\n")[1].split("```")[0]
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "blocking.fountain").write_text("HERO steps out.\n")
    (tmp_path / "shotkit.yaml").write_text("workspace: readme\n")
    (tmp_path / "example.yaml").write_text(example)
    from shotkit import pipeline

    loaded = pipeline.load([tmp_path])
    assert [str(p) for p in loaded.problems] == []
    assert len(loaded.production.workspaces["readme"].assets) == 1 + 2 + 1 + 1 + 2 + 1


def test_file_size_is_bounded(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "validate", "--max-file-size", "1000", str(ROOT / "manifests"))
    assert code == 1
    size = (ROOT / "manifests" / "scene-03.yaml").stat().st_size
    assert (
        f"manifests/scene-03.yaml:1:1: file is {size} bytes, over the limit of 1000; split it into several files"
        in out
    )


def test_the_program_ends_with_all_its_output_and_its_exit_code(project: Path, tmp_path: Path) -> None:
    """The program ends without freeing what a command kept (collector.keep, os._exit): its
    piped output must still all be there, and its exit code the command's."""
    url = f"sqlite:///{tmp_path / 'program.db'}"
    assert shotkit("db", "upgrade", "--database-url", url, cwd=project).returncode == 0
    synced = shotkit("sync", "--database-url", url, cwd=project)
    assert synced.returncode == 0 and "Applied in one transaction." in synced.stdout + synced.stderr
    scene = project / "scene-03.yaml"
    scene.write_text(
        scene.read_text(encoding="utf-8").replace("name: Scene 3 - Confrontation", "name: Scene 3 - Recut"),
        encoding="utf-8",
    )
    text = shotkit("plan", "--database-url", url, "--detailed-exitcode", cwd=project)
    assert text.returncode == 2, text.stderr
    assert text.stdout.rstrip().splitlines()[-1].startswith("Plan: 0 to create, 1 to update"), text.stdout
    as_json = shotkit("plan", "--database-url", url, "--format", "json", "--detailed-exitcode", cwd=project)
    assert as_json.returncode == 2 and json.loads(as_json.stdout)["summary"]["update"] == 1
