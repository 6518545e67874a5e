"""A state read against the manifests (`state.read` with a plan.Wanted as its matcher) keeps the
rows they declare exactly as a summary, and must give the very plan the whole rows give, for
every kind of change, on real PostgreSQL and SQLite; a sync applies it and checks it
(invariants) against that same summarised state."""

from __future__ import annotations

from pathlib import Path

import pytest

from shotkit import db, invariants, state
from shotkit import plan as plan_
from shotkit.commands._plans import from_manifests

from .conftest import WS, cli, upgraded

SCENE = "scene-03.yaml"


def _edit(project: Path, edit: str) -> None:
    path = project / SCENE
    text = path.read_text(encoding="utf-8")
    changed = {
        "nothing": text,
        "a shot renamed": text.replace("name: Scene 3 - Confrontation", "name: Scene 3 - Recut"),
        "a link's metadata": text.replace("volume: 0.4", "volume: 0.7"),
        "a link removed": text.replace("characters: [hero, villain]", "characters: [hero]"),
        "links reordered": text.replace("scripts: [dialogue, blocking]", "scripts: [blocking, dialogue]"),
        "an asset dropped": text.replace(
            "  villain-line:\n    name: You were too weak!\n    url: https://cdn.example.com/villain.wav\n    kind: dialogue\n",
            "",
        ).replace("      - villain-line\n", ""),
        "a take added": text.replace(
            "      - attempt: 2\n",
            "      - attempt: 3\n        cost: 0.7\n      - attempt: 2\n",
        ),
    }[edit]
    assert edit == "nothing" or changed != text, edit  # the edit found its text
    path.write_text(changed, encoding="utf-8")


@pytest.mark.parametrize(
    "edit",
    [
        "nothing",
        "a shot renamed",
        "a link's metadata",
        "a link removed",
        "links reordered",
        "an asset dropped",
        "a take added",
    ],
)
@pytest.mark.parametrize("prune", [False, True])
def test_the_summarised_state_gives_the_plan_of_whole_rows(
    any_url: str, project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: str, prune: bool
) -> None:
    upgraded(any_url, tmp_path).engine.dispose()
    assert cli(capsys, "sync", str(project), "--database-url", any_url)[0] == 0
    _edit(project, edit)
    source = from_manifests([project], prune, None)
    assert source.production is not None
    database = db.open_database(any_url, project)
    try:
        summarised = source.read_states(database)
        with db.snapshot(database) as connection:
            whole = {
                name: state.read(connection, name, source.claimed.get(name, ())) for name in source.workspaces
            }
    finally:
        database.engine.dispose()
    read = summarised[WS]
    kept = [row for row in (*read.assets.values(), *read.links.values()) if type(row) is state.Summary]
    assert kept and len(read.assets) == len(whole[WS].assets) and len(read.links) == len(whole[WS].links)
    assert read.fingerprint == whole[WS].fingerprint  # of the whole rows, either way
    expected = plan_.compute(source.production, whole, prune)
    computed = source.plan(summarised)
    assert computed.to_json() == expected.to_json()
    assert computed.has_changes == (edit != "nothing")
    invariants.verify(computed, summarised, source.project.owner)  # as sync checks it


def test_a_state_read_against_other_manifests_is_not_diffed(
    any_url: str, project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The summary rows are those one Wanted judged unchanged: a diff against other manifests
    would take them as unchanged too, so it is refused."""
    upgraded(any_url, tmp_path).engine.dispose()
    assert cli(capsys, "sync", str(project), "--database-url", any_url)[0] == 0
    source = from_manifests([project], False, None)
    other = from_manifests([project], False, None)
    database = db.open_database(any_url, project)
    try:
        states = source.read_states(database)
    finally:
        database.engine.dispose()
    assert other.production is not None
    with pytest.raises(RuntimeError, match="read against other manifests"):
        plan_.compute(other.production, states, False)


def test_a_sync_after_an_edit_writes_only_the_edit(
    any_url: str, project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Through the CLI: the sync reads under its lock against the manifests, and the rows it
    summarised are left as they were."""
    upgraded(any_url, tmp_path).engine.dispose()
    assert cli(capsys, "sync", str(project), "--database-url", any_url)[0] == 0
    _edit(project, "a shot renamed")
    code, out, err = cli(capsys, "sync", str(project), "--database-url", any_url)
    assert code == 0 and "1 to update" in out + err and "0 to create" in out + err, out + err
    code, out, _ = cli(capsys, "plan", str(project), "--database-url", any_url, "--detailed-exitcode")
    assert code == 0 and "No changes." in out
