"""fmt keeps every comment, in place, and still gives one canonical layout."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from shotkit import comments, yamlio
from shotkit.canonical import canonical
from shotkit.project import Project

from .conftest import ROOT, upgraded
from .conftest import cli_combined as run
from .test_export_properties import handwritten


def comment_texts(text: str) -> list[str]:
    return sorted(
        m.group(1).strip() for m in re.finditer(r"(?:^|[ \t])(#[^\n\"]*)$", text.replace("\r\n", "\n"), re.M)
    )


def test_fmt_keeps_every_comment_of_the_handwritten_production(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "hand"
    shutil.copytree(ROOT / "tests" / "handwritten", folder)
    before = {p.name: comment_texts(p.read_text()) for p in folder.glob("*.yaml") if p.name != "shotkit.yaml"}
    code, out = run(capsys, "fmt", str(folder))
    assert code == 0 and "reformatted" in out and "dropped" not in out
    after = {p.name: comment_texts(p.read_text()) for p in folder.glob("*.yaml") if p.name != "shotkit.yaml"}
    assert after == before
    cast = (folder / "cast.yaml").read_text()
    assert "  # a single blast, far away\n  foghorn:\n" in cast
    assert "  keeper:  # lead\n    name: The Keeper\n" in cast
    shots = (folder / "shots.yaml").read_text()
    assert (
        "      - storm  # bottom layer\n" in shots and "        selected: true  # director's pick\n" in shots
    )
    assert shots.endswith("    audio: [storm, foghorn]\n# end of act one\n")
    assert run(capsys, "fmt", "--check", str(folder)) == (
        0,
        "0 file(s) would be reformatted, 2 already canonical\n",
    )


def test_a_commented_canonical_file_survives_sync_then_export(any_url: str, tmp_path: Path, capsys) -> None:
    folder = tmp_path / "hand"
    shutil.copytree(ROOT / "tests" / "handwritten", folder)
    assert run(capsys, "fmt", str(folder))[0] == 0
    before = {p.name: p.read_bytes() for p in folder.glob("*.yaml")}
    upgraded(any_url, tmp_path)
    assert run(capsys, "sync", str(folder), "--database-url", any_url)[0] == 0
    assert run(capsys, "export", "--database-url", any_url, "--out", str(folder))[0] == 0
    assert {p.name: p.read_bytes() for p in folder.glob("*.yaml")} == before


def test_comment_on_a_dropped_default_moves_to_its_entry() -> None:
    text = "shotkit: 1\nshots:\n  s:\n    name: S\n    takes:\n      - attempt: 2\n      - attempt: 1\n        # not this one\n        selected: false  # no\n"
    data = yamlio.parse(text)
    out = comments.dump(canonical(data, Project(root=Path("."))), comments.read(text, data))
    assert (
        out
        == "shotkit: 1\nshots:\n  s:\n    name: S\n    takes:\n      # not this one\n      # no\n      - attempt: 1\n      - attempt: 2\n"
    )


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(production=handwritten())
def test_fmt_keeps_every_comment_and_is_idempotent(production: tuple) -> None:
    _, text, _ = production
    data = yamlio.parse(text)
    project = Project(root=Path("."))
    found = comments.read(text, data)
    once = comments.dump(canonical(data, project), found)
    assert comments.kept(once, canonical(data, project), found)
    assert comment_texts(once) == comment_texts(text)
    again = yamlio.parse(once)
    assert comments.dump(canonical(again, project), comments.read(once, again)) == once


def test_comments_inside_a_multi_line_flow_mapping_are_kept(tmp_path: Path, capsys) -> None:
    (tmp_path / "a.yaml").write_text(
        "shotkit: 1\nworkspace: w\ncharacters:\n  hero: {\n    name: Hero,  # the name\n"
        '    description: "x"  # desc\n  }  # closing\n  villain: {name: V}\n'
    )
    assert run(capsys, "fmt", str(tmp_path))[0] == 0
    assert (tmp_path / "a.yaml").read_text() == (
        "shotkit: 1\nworkspace: w\ncharacters:\n  hero:\n    name: Hero  # the name\n"
        "    # closing\n    description: x  # desc\n  villain:\n    name: V\n"
    )
    assert run(capsys, "fmt", "--check", str(tmp_path))[0] == 0
