"""A sync runs a number of statements that does not grow with the production (issue #9).

Counted with a SQLAlchemy hook on every statement shotkit sends; the rows COPY carries on
PostgreSQL go over the statement that opened the COPY, which the hook does not see, so the
rows written are checked too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from benchmarks import shape
from shotkit import yamlio
from shotkit.cli import main

from .conftest import upgraded


@pytest.fixture
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    sa.event.listen(sa.Engine, "before_cursor_execute", count)
    yield seen
    sa.event.remove(sa.Engine, "before_cursor_execute", count)


def write_production(root: Path, workspace: str, shots: int) -> None:
    root.mkdir()
    (root / "shotkit.yaml").write_text(f"workspace: {workspace}\nowner: {workspace}-repo\n", encoding="utf-8")
    for name, data in shape.production(shots).items():
        (root / name).write_text(yamlio.dump({**data, "workspace": workspace}), encoding="utf-8")


def sync(root: Path, url: str, statements: list[str], capsys: pytest.CaptureFixture[str]) -> int:
    statements.clear()
    assert main(["sync", str(root), "--database-url", url]) == 0, capsys.readouterr()
    capsys.readouterr()
    return len(statements)


def rows(url: str, root: Path, workspace: str) -> tuple[int, int, str]:
    engine = upgraded(url, root).engine
    with engine.connect() as connection:
        found = connection.execute(
            sa.text(
                "SELECT (SELECT count(*) FROM assets WHERE workspace_id = :w), "
                "(SELECT count(*) FROM asset_relationships WHERE workspace_id = :w), "
                "(SELECT name FROM assets WHERE workspace_id = :w AND manifest_key = 's000007')"
            ),
            {"w": workspace},
        ).one()
    engine.dispose()
    return int(found[0]), int(found[1]), str(found[2])


def test_statements_do_not_grow_with_the_production(
    any_url: str, tmp_path: Path, statements: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    upgraded(any_url, tmp_path).engine.dispose()
    counted: dict[int, tuple[int, int]] = {}
    for shots in (10, 120):
        workspace = f"ws-{shots}"
        root = tmp_path / workspace
        write_production(root, workspace, shots)
        first = sync(root, any_url, statements, capsys)
        assert rows(any_url, tmp_path, workspace)[:2] == shape.expected_counts(shots)
        path = root / "shots-0000.yaml"
        path.write_text(
            path.read_text(encoding="utf-8").replace(
                "name: Scene 7 - Confrontation", "name: Scene 7 - Recut"
            ),
            encoding="utf-8",
        )
        edited = sync(root, any_url, statements, capsys)
        assert rows(any_url, tmp_path, workspace) == (*shape.expected_counts(shots), "Scene 7 - Recut")
        counted[shots] = (first, edited)
    assert counted[10] == counted[120], counted
