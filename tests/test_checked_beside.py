"""When `sync` checks a plan (issue 9, round 4): a plan computed in this run is checked by
`invariants.verify` while PostgreSQL writes it, and the commit waits for the verdict; a saved
plan (the untrusted input) is checked before any statement writes. Either way a refused plan
leaves nothing: no row, no link, no history."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from shotkit import apply
from shotkit import plan as plan_

from .conftest import cli, counts, upgraded
from .test_trust import apply_saved, forge, saved_plan

WRITES = ("INSERT", "UPDATE", "DELETE", "COPY")


def history(capsys: pytest.CaptureFixture[str], url: str) -> str:
    return cli(capsys, "history", "--database-url", url)[1].strip()


def broken_planner(monkeypatch: pytest.MonkeyPatch, damage: Callable[[plan_.Plan], None]) -> None:
    """The planner returns a plan that `damage` made break a rule (a bug in the planner)."""
    compute = plan_.compute

    def planner(*args: Any, **kwargs: Any) -> plan_.Plan:
        plan = compute(*args, **kwargs)
        damage(plan)
        return plan

    monkeypatch.setattr(plan_, "compute", planner)


class Order:
    """Whether the writes ended before the check did. On PostgreSQL the check waits for them
    (bounded), so the refusal surely comes after rows were written in the transaction."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, wait: bool) -> None:
        self.written = threading.Event()
        self.written_before_verdict: bool | None = None
        execute, verify = apply.execute, apply.verify

        def writes(*args: Any, **kwargs: Any) -> None:
            execute(*args, **kwargs)
            self.written.set()

        def check(*args: Any, **kwargs: Any) -> None:
            if wait:
                self.written.wait(timeout=10)
            self.written_before_verdict = self.written.is_set()
            verify(*args, **kwargs)

        monkeypatch.setattr(apply, "execute", writes)
        monkeypatch.setattr(apply, "verify", check)


def test_a_computed_plan_refused_by_the_check_rolls_back_everything(
    any_url: str, project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    upgraded(any_url, tmp_path)
    postgres = any_url.startswith("postgresql")

    def foreign_owner(plan: plan_.Plan) -> None:
        plan.workspaces[0].changes[0].row["owner"] = "someone-else"  # type: ignore[union-attr]

    broken_planner(monkeypatch, foreign_owner)
    order = Order(monkeypatch, wait=postgres)
    code, _, err = cli(capsys, "sync", str(project), "--database-url", any_url)
    assert code == 1 and "refusing the plan" in err and "not 'demo-repo'" in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    # PostgreSQL wrote the rows while the check ran, then rolled them back; SQLite checks first.
    assert order.written_before_verdict is postgres
    assert counts(any_url, tmp_path) == (0, 0)
    assert history(capsys, any_url) == "No syncs recorded yet."
    monkeypatch.undo()
    assert cli(capsys, "sync", str(project), "--database-url", any_url)[0] == 0
    assert counts(any_url, tmp_path) == (13, 12)


def test_a_refused_plan_whose_writes_fail_too_gives_the_refusal(
    any_url: str, project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    """A row created twice: the COPY fails on the primary key while the check refuses the
    plan; the error is the refusal, as when the check ran before the writes."""
    upgraded(any_url, tmp_path)

    def twice(plan: plan_.Plan) -> None:
        plan.workspaces[0].changes.append(plan.workspaces[0].changes[0])

    broken_planner(monkeypatch, twice)
    code, _, err = cli(capsys, "sync", str(project), "--database-url", any_url)
    assert code == 1 and "refusing the plan" in err and "a row is changed more than once" in err, err
    assert counts(any_url, tmp_path) == (0, 0)
    assert history(capsys, any_url) == "No syncs recorded yet."


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The first word of every statement shotkit sends, COPY included (psycopg's cursor.copy,
    which SQLAlchemy's hook does not see)."""
    import psycopg

    seen: list[str] = []

    def hook(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement.split()[0].upper())

    copy = psycopg.Cursor.copy

    def counted_copy(self: psycopg.Cursor[Any], statement: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(str(statement).split()[0].upper())
        return copy(self, statement, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "copy", counted_copy)
    sa.event.listen(sa.Engine, "before_cursor_execute", hook)
    yield seen
    sa.event.remove(sa.Engine, "before_cursor_execute", hook)


def test_a_saved_plan_that_breaks_a_rule_sends_no_write(
    any_url: str, project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], statements: list[str]
) -> None:
    upgraded(any_url, tmp_path)
    path, document = saved_plan(capsys, project, any_url, tmp_path)
    honest = document["workspaces"][0]["changes"][0]["row"]["owner"]
    document["workspaces"][0]["changes"][0]["row"]["owner"] = "someone-else"
    forge(path, document)
    statements.clear()
    code, err = apply_saved(capsys, path, project, any_url)
    assert code == 1 and "refusing the plan" in err, err
    assert "SELECT" in statements  # the lock and the state were read
    assert not [s for s in statements if s in WRITES], statements
    assert counts(any_url, tmp_path) == (0, 0)
    # The same plan, honest again, is written: the statements above would have shown it.
    document["workspaces"][0]["changes"][0]["row"]["owner"] = honest
    forge(path, document)
    statements.clear()
    code, err = apply_saved(capsys, path, project, any_url)
    assert code == 0, err
    assert ("COPY" if any_url.startswith("postgresql") else "INSERT") in statements, statements
    assert counts(any_url, tmp_path) == (13, 12)
