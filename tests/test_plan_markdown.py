"""The Markdown plan comment: a known change against a stored expected file, hostile values
that must not break out of their context, truncation of a 20,000-shot plan, and history."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from shotkit import mdescape
from shotkit.operations import (
    AssetOperation,
    CreateAsset,
    DeleteAsset,
    FieldChange,
    LinkOperation,
    RowLabel,
    UpdateAsset,
    UpdateLink,
)
from shotkit.plan import Plan, WorkspacePlan
from shotkit.plan_markdown import MARKER, render

from .conftest import ROOT, upgraded
from .conftest import cli as run

EXPECTED = ROOT / "tests" / "expected" / "plan-review.md"
CI = {
    "GITHUB_ACTOR": "alice",
    "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
    "GITHUB_RUN_ID": "42",
    "GITHUB_REPOSITORY": "studio/film",
    "GITHUB_SERVER_URL": "https://github.com",
}
HOSTILE = "evil\n```\n<script>alert(1)</script> --> | @here [x](javascript:alert(1)) **b** $x$ \u202e\r\n# H"


def edit(path: Path, *pairs: tuple[str, str]) -> None:
    text = path.read_text()
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new)
    path.write_text(text)


@pytest.fixture
def synced(
    capsys: pytest.CaptureFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, str]:
    for name, value in CI.items():
        monkeypatch.setenv(name, value)
    project = tmp_path / "demo"
    shutil.copytree(ROOT / "manifests", project)
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    upgraded(url, tmp_path)
    code, _, err = run(capsys, "sync", str(project), "--database-url", url)
    assert code == 0, err
    return project, url


def known_change(project: Path) -> None:
    edit(
        project / "scene-03.yaml",
        ("  villain:\n    name: Villain\n", "  villain:\n    name: Villain\n  kid:\n    name: Kid\n"),
        ("characters: [hero, villain]", "characters: [hero, villain, kid]"),
        (
            "      - tension-music\n      - ref: rain-fx\n        volume: 0.4\n",
            "      - ref: rain-fx\n        volume: 0.4\n      - tension-music\n",
        ),
        ("scripts: [dialogue, blocking]", "scripts: [dialogue]"),
        ("  blocking:\n    name: Blocking notes\n    file: scripts/blocking.fountain\n", ""),
        ("      - attempt: 2\n        selected: true\n", "      - attempt: 2\n"),
        (
            "          fps: 24\n      - attempt: 2",
            "          fps: 24\n        selected: true\n      - attempt: 2",
        ),
    )
    with (project / "scene-03.yaml").open("a") as f:
        f.write(
            "      - attempt: 3\n        generation:\n          model: video-02\n          provider: minimax\n        cost: 0.75\n"
        )


def normalised(text: str) -> str:
    return re.sub(r"\d{4}-\d\d-\d\d \d\d\\:\d\d UTC", "YYYY-MM-DD HH\\:MM UTC", text)


def test_markdown_plan_of_a_known_change(capsys: pytest.CaptureFixture, synced: tuple[Path, str]) -> None:
    project, url = synced
    known_change(project)
    code, out, err = run(
        capsys, "plan", str(project), "--database-url", url, "--format", "markdown", "--prune"
    )
    assert code == 0, err
    if os.environ.get("SHOTKIT_REGENERATE"):
        EXPECTED.write_text(normalised(out))
    assert normalised(out) == EXPECTED.read_text()


def test_history_after_two_syncs(
    capsys: pytest.CaptureFixture, synced: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project, url = synced
    known_change(project)
    monkeypatch.setenv("GITHUB_ACTOR", "bob")
    monkeypatch.setenv("GITHUB_SHA", "fedcba9876543210fedcba9876543210fedcba98")
    assert run(capsys, "sync", str(project), "--database-url", url, "--prune")[0] == 0
    code, out, _ = run(capsys, "history", "--database-url", url)
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 2 and lines[0].startswith("#2 ") and lines[1].startswith("#1 ")
    assert "by bob  commit fedcba987654  2 created, 2 updated, 1 deleted, 5 link change(s)" in lines[0]
    assert "by alice  commit 0123456789ab  13 created, 0 updated, 0 deleted, 12 link change(s)" in lines[1]
    import json

    code, out, _ = run(
        capsys,
        "history",
        "--database-url",
        url,
        "--format",
        "json",
        "--workspace",
        "workspace-123",
        "--with-plan",
        "--limit",
        "1",
    )
    document = json.loads(out)
    assert document["format_version"] == 1 and len(document["runs"]) == 1
    latest = document["runs"][0]
    assert (
        latest["actor"] == "bob"
        and latest["run_url"] == "https://github.com/studio/film/actions/runs/42"
        and latest["applied"] is True
    )
    assert latest["plan"]["kind"] == "shotkit-plan" and latest["plan_fingerprint"].startswith("sha256:")
    assert latest["summary"]["delete"] == 1
    code, out, _ = run(capsys, "plan", str(project), "--database-url", url, "--format", "markdown")
    assert (
        "Last sync of workspace-123: run 2" in out
        and "by bob, commit fedcba987654 ([log](https://github.com/studio/film/actions/runs/42))" in out
    )
    assert (
        run(capsys, "history", "--database-url", url, "--workspace", "elsewhere")[1].strip()
        == "No syncs recorded yet."
    )


def test_a_failed_sync_records_no_history(capsys: pytest.CaptureFixture, synced: tuple[Path, str]) -> None:
    project, url = synced
    known_change(project)
    code, _, err = run(capsys, "sync", str(project), "--database-url", url, "--prune", "--max-deletes", "0")
    assert code == 1 and "refusing to prune" in err
    assert len(run(capsys, "history", "--database-url", url)[1].splitlines()) == 1


def hostile_plan(shots: int = 1, name: str = HOSTILE) -> Plan:
    changes: list[AssetOperation] = []
    links: list[LinkOperation] = []
    for n in range(shots):
        shot = f"s{n}" if shots > 1 else name
        changes.append(CreateAsset(f"id{n}", "shot", shot, name, shot, {"asset_metadata": {}}))
        changes.append(DeleteAsset(f"t{n}", "shot_take", f"{shot}#1", name, shot))
        changes.append(
            UpdateAsset(
                f"c{n}", "character_ref", name, name, None, (FieldChange("name", name, name + "2"),), {}
            )
        )
        links.append(
            UpdateLink(
                "uses_audio", ("shot", shot), ("audio", name), shot, (FieldChange("sequence", 2, 1),), {}
            )
        )
    workspace = WorkspacePlan(
        name, "sha256:x", changes, links, unmanaged=[RowLabel("u", "shot", None, name, None)]
    )
    return Plan("owner", True, [workspace])


def test_hostile_values_stay_in_their_context() -> None:
    out = render(
        hostile_plan(),
        None,
        [
            {
                "id": 1,
                "ran_at": "2026-01-01T00:00:00+00:00",
                "workspace": HOSTILE,
                "actor": HOSTILE,
                "commit_sha": HOSTILE,
                "run_url": "javascript:alert(1)",
            }
        ],
    )
    lines = out.splitlines()
    outside = "\n".join(
        re.sub(r"^```diff$.*?^```$", "", out, flags=re.S | re.M).splitlines()
    )  # code blocks show text as text
    assert "<script" not in outside and "@here" not in outside
    summaries = [
        line for line in outside.splitlines() if line.startswith("<details>")
    ]  # raw HTML: Markdown is not parsed there
    assert all(re.sub(r"</?(details|summary)>", "", line).count("<") == 0 for line in summaries)
    markdown = "\n".join(line for line in outside.splitlines() if not line.startswith("<details>"))
    assert "](javascript" not in markdown and "**b**" not in markdown and "$x$" not in markdown
    assert [line for line in outside.splitlines() if "-->" in line] == [MARKER]
    assert not any(line.startswith(("# H", "```\n")) for line in lines)
    fences = [line for line in lines if line.startswith("```")]
    assert fences == ["```diff", "```"] * 3
    inside = False
    for line in lines:
        if line.startswith("```"):
            inside = not inside
        elif inside:
            assert line[:2] in ("+ ", "- ", "~ ", "! "), line  # a value never starts a line in a fence
        elif line.startswith("|"):
            assert len(re.findall(r"(?<!\\)\|", line)) == 8, line  # no extra table cell
    assert out.count("<details>") == out.count("</details>") == 3
    assert "[log]" not in out  # not an http(s) URL: no link
    assert "\u202e" not in out and "\r" not in out


@pytest.mark.parametrize(
    "value", [HOSTILE, "a|b", "<img src=x onerror=alert(1)>", "-->", "``` x", "@team", "[a](b)", "x" * 500]
)
def test_escaping_functions(value: str) -> None:
    for escape in (mdescape.inline, mdescape.html, mdescape.code, mdescape.mermaid):
        text = escape(value)
        assert "\n" not in text and "\r" not in text and len(text) < 600
        assert "<" not in text or escape is mdescape.code
    assert re.search(r"(?<!\\)\|", mdescape.inline(value)) is None
    assert "@" not in mdescape.inline(value) and "@" not in mdescape.html(value)
    assert re.fullmatch(r"[A-Za-z0-9 ,.\-_/#;…]*", mdescape.mermaid(value))
    assert mdescape.url("https://ci.example.com/run/1") == "https://ci.example.com/run/1"
    assert mdescape.url("javascript:alert(1)") is None and mdescape.url("https://x.com/a b") is None


def test_mermaid_labels_from_hostile_manifests(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        'shotkit: 1\nworkspace: w\ncharacters:\n  c: {name: "'
        + HOSTILE.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
        + '"}\n'
        'shots:\n  s:\n    name: "x\\"]; click A call alert()"\n    characters: [c]\n'
    )
    url = f"sqlite:///{tmp_path / 'db'}"
    upgraded(url, tmp_path)
    code, out, err = run(capsys, "plan", str(tmp_path), "--database-url", url, "--format", "markdown")
    assert code == 0, err
    diagram = out.split("```mermaid\n")[1].split("```")[0]
    assert "click" not in diagram.replace("click A call", "") or '"]; click' not in diagram
    assert all(
        re.fullmatch(
            r'  (n\d+\["[^"]*"\]|n\d+ -->( \|"[^"]*"\|)? n\d+\["[^"]*"\]|class n\d+ selected|classDef .*)|flowchart LR',
            line,
        )
        for line in diagram.splitlines()
    ), diagram


def test_a_20000_shot_plan_is_truncated_with_its_summary() -> None:
    plan = hostile_plan(20_000, name="Shot name")
    out = render(plan, None, [], 65_000)
    assert len(out) < 65_000
    assert out.startswith(
        MARKER + "\n### shotkit plan\n\n**Plan: 20000 to create, 20000 to update, 20000 to delete;"
    )
    assert "This plan **deletes 20000 asset(s)**" in out
    shown = out.count("<details>")
    assert 100 < shown < 20_001
    total = 20_000 + 2  # the shots, the shared character, the note on unmanaged rows
    assert f"**{total - shown} of {total} section(s) not shown** to stay under 65,000 characters" in out
    small = render(plan, None, [], 5_000)
    assert len(small) < 5_000 and "**Plan: 20000 to create" in small


def test_max_chars_option(capsys: pytest.CaptureFixture, synced: tuple[Path, str]) -> None:
    project, url = synced
    known_change(project)
    code, out, _ = run(
        capsys, "plan", str(project), "--database-url", url, "--format", "markdown", "--max-chars", "2000"
    )
    assert code == 0 and len(out) < 2000 and "not shown" in out and out.startswith(MARKER)
    code, _, err = run(
        capsys, "plan", str(project), "--database-url", url, "--format", "markdown", "--max-chars", "10"
    )
    assert code == 1 and "--max-chars" in err


def test_a_removed_shot_is_shown_under_its_own_section(
    capsys: pytest.CaptureFixture, synced: tuple[Path, str]
) -> None:
    """A pruned shot's take and links belong to it, not to "Shared assets" (where `- character
    hero` would read as the character itself being deleted)."""
    project, url = synced
    text = (project / "scene-03.yaml").read_text()
    (project / "scene-03.yaml").write_text(
        text.replace(
            "shots:\n",
            'shots:\n  "09Z":\n    name: Gone soon\n    characters: [hero]\n    takes: [{attempt: 1, selected: true}]\n',
            1,
        )
    )
    assert run(capsys, "sync", str(project), "--database-url", url)[0] == 0
    (project / "scene-03.yaml").write_text(text)
    code, out, err = run(
        capsys, "plan", str(project), "--database-url", url, "--format", "markdown", "--prune"
    )
    assert code == 0, err
    section = out.split("<summary>Shot 09Z", 1)[1].split("</details>", 1)[0]
    assert "- shot 09Z (Gone soon)" in section and "- take 1" in section and "- character hero" in section
    assert "Shared assets" not in out
