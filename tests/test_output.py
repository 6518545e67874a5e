"""Values from manifests and the database are escaped for the output they go into (issue 10)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from .conftest import cli, execute, upgraded

FORGED = "No changes. The database matches the manifests."
HOSTILE = f"evil\n```\n{FORGED}\n</details><img src=x onerror=alert(1)>\x1b[2J\u202e\r\n- delete everything"


def hostile_project(root: Path) -> Path:
    root.mkdir()
    name = (
        HOSTILE.replace("\\", "\\\\")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\x1b", "\\e")
        .replace('"', '\\"')
    )
    (root / "a.yaml").write_text(
        f'shotkit: 1\nworkspace: w\ncharacters:\n  hero:\n    name: "{name}"\n'
        f'    metadata: {{note: "{name}", "{name}": 1}}\nshots:\n  s1: {{name: S, characters: [hero]}}\n'
    )
    return root


def add_unmanaged_row(url: str, tmp_path: Path) -> None:
    row = str(uuid.uuid4())
    execute(
        url,
        tmp_path,
        "INSERT INTO assets (id, workspace_id, type, name, asset_metadata) VALUES (:id, 'w', 'character_ref', :name, '{}')",
        id=row.replace("-", "") if "sqlite" in url else row,
        name=HOSTILE,
    )


def assert_one_line_per_item(text: str) -> None:
    assert FORGED not in [line.strip() for line in text.splitlines()]
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f\u202e]", text), repr(text)
    assert not any(line.startswith("- delete") for line in text.splitlines())


def test_text_plan_cannot_be_forged(any_url: str, tmp_path: Path, capsys) -> None:
    upgraded(any_url, tmp_path)
    add_unmanaged_row(any_url, tmp_path)
    project = hostile_project(tmp_path / "p")
    code, out, err = cli(capsys, "plan", str(project), "--database-url", any_url)
    assert code == 0, err
    assert_one_line_per_item(out)
    assert out.count("\n") == 7, out  # header, 3 creates, 1 link, 1 note, blank line, summary
    code, out, err = cli(capsys, "sync", str(project), "--database-url", any_url)
    assert code == 0, err
    assert_one_line_per_item(out)


def blocks(markdown: str) -> list[list[str]]:
    """Code blocks as a CommonMark reader sees them: a fence closes only at a line of as many
    backticks or more."""
    out: list[list[str]] = []
    lines = iter(markdown.splitlines())
    for line in lines:
        opening = re.match(r"^(`{3,})(diff|mermaid)$", line)
        if not opening:
            assert not line.startswith("```"), line
            continue
        block: list[str] = []
        for inner in lines:
            if re.match(rf"^`{{{len(opening.group(1))},}}\s*$", inner):
                break
            assert not re.match(r"^ {0,3}`{3}", inner), inner  # could close or reopen a fence
            block.append(inner)
        if opening.group(2) == "diff":
            out.append(block)
    return out


def test_markdown_plan_keeps_every_change_inside_its_block(any_url: str, tmp_path: Path, capsys) -> None:
    upgraded(any_url, tmp_path)
    add_unmanaged_row(any_url, tmp_path)
    project = hostile_project(tmp_path / "p")
    code, out, err = cli(capsys, "plan", str(project), "--database-url", any_url, "--format", "markdown")
    assert code == 0, err
    found = blocks(out)
    assert sorted(len(b) for b in found) == [1, 1, 2], (
        found
    )  # the hero; the unmanaged row; the shot and its link
    assert any("```" in line for b in found for line in b)  # the manifest's fence is there, as text
    outside = re.sub(r"^(`{3,})diff\n.*?^\1$", "", out, flags=re.M | re.S)
    assert "<img" not in outside, outside
    assert outside.count("<details>") == outside.count("</details>") == 3
    assert_one_line_per_item(out)


def test_github_annotations_and_text_problems_are_escaped(tmp_path: Path, capsys) -> None:
    path = tmp_path / "a,b:c.yaml"
    path.write_text(
        'shotkit: 1\nworkspace: w\ncharacters:\n  hero:\n    name: Hero\n    "bad\\n::error::forged%0A": 1\n'
    )
    code, out, _ = cli(capsys, "validate", "--format", "github", str(path))
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("::error file=") and r"\n::error::" in lines[0], out
    assert "a%2Cb%3Ac.yaml" in lines[0] and "%250A" in lines[0]
    code, out, _ = cli(capsys, "validate", str(path))
    assert code == 1 and len(out.splitlines()) == 2 and "::error::" not in out.splitlines()[0].split("\\n")[0]


def test_export_warnings_cannot_be_forged(any_url: str, tmp_path: Path, capsys) -> None:
    """export's warnings quote database values (a key, a workspace) and file names: escaped."""
    upgraded(any_url, tmp_path)
    project = hostile_project(tmp_path / "p")
    code, _, err = cli(capsys, "sync", str(project), "--database-url", any_url)
    assert code == 0, err
    row = str(uuid.uuid4())
    execute(
        any_url,
        tmp_path,
        "INSERT INTO assets (id, workspace_id, type, name, asset_metadata, manifest_key, owner) "
        "VALUES (:id, 'w', 'character_ref', :name, '{}', :key, NULL)",
        id=row.replace("-", "") if "sqlite" in any_url else row,
        name=HOSTILE,
        key=HOSTILE,
    )
    outside = tmp_path / "outside"
    outside.mkdir()
    (project / f"d\n{FORGED}").symlink_to(outside)
    code, out, err = cli(capsys, "export", "--out", str(project), "--database-url", any_url)
    assert "warning: " in out, out
    assert_one_line_per_item(out)
    assert_one_line_per_item(err)


def test_stats_text_cannot_be_forged(tmp_path: Path, capsys) -> None:
    """A provider or model name from a manifest is one escaped line in `stats`."""
    (tmp_path / "a.yaml").write_text(
        "shotkit: 1\nworkspace: w\nshots:\n  s1:\n    name: S\n    takes:\n"
        '      - {attempt: 1, selected: true, cost: 1, generation: {provider: "p\\nNo changes. The database matches the manifests.\\n- delete everything", model: "m\\u202e\\e[2J"}}\n'
    )
    code, out, err = cli(capsys, "stats", str(tmp_path))
    assert code == 0, err
    assert_one_line_per_item(out)
    assert len(out.splitlines()) == 15, out


def test_fmt_and_export_file_names_cannot_be_forged(sqlite_url: str, tmp_path: Path, capsys) -> None:
    """A file name (a pull request chooses it; export takes it from the database) is one
    escaped line in fmt's and export's reports."""
    upgraded(sqlite_url, tmp_path)
    project = tmp_path / "p"
    project.mkdir()
    (project / f"x\n::error::forged\n{FORGED}.yaml").write_text(
        "shotkit: 1\nworkspace: w\ncharacters:\n  a:   {name:    A}\n"
    )
    for args in (["fmt", "--check", str(project)], ["fmt", str(project)]):
        _, out, err = cli(capsys, *args)
        assert_one_line_per_item(out + err)
        assert not any(line.startswith("::error::") for line in (out + err).splitlines()), out
    code, _, err = cli(capsys, "sync", str(project), "--database-url", sqlite_url)
    assert code == 0, err
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    for args in (["export", "--check"], ["export"]):
        _, out, err = cli(capsys, *args, "--out", str(out_dir), "--database-url", sqlite_url)
        assert "recorded file 'x\\\\n::error::forged" in out, out  # never a file name; reported escaped
        assert_one_line_per_item(out + err)
        assert not any(line.startswith("::error::") for line in (out + err).splitlines()), out
    assert [p.name for p in out_dir.iterdir()] == ["w.new.yaml"]


def test_a_recorded_file_name_with_a_newline_is_never_written(any_url: str, tmp_path: Path, capsys) -> None:
    """A row's recorded file comes from the database: control characters never reach a file name."""
    upgraded(any_url, tmp_path)
    project = tmp_path / "p"
    project.mkdir()
    row = str(uuid.uuid4())
    execute(
        any_url,
        tmp_path,
        "INSERT INTO assets (id, workspace_id, type, name, asset_metadata, manifest_key, owner, source) "
        "VALUES (:id, 'w', 'character_ref', 'Hero', '{}', 'hero', 'shotkit', :source)",
        id=row.replace("-", "") if "sqlite" in any_url else row,
        source='{"file": "a\\nb.yaml", "order": 0}',
    )
    code, out, err = cli(capsys, "export", "--out", str(project), "--database-url", any_url)
    assert code == 0, err
    assert sorted(p.name for p in project.iterdir()) == ["w.new.yaml"]
    assert "recorded file 'a\\\\nb.yaml' is not a safe relative path; written to w.new.yaml" in out
