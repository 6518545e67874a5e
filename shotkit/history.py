"""The history of syncs: one `sync_runs` row per workspace per sync, written in the sync's
own transaction (so a rolled-back sync leaves no row), with who ran it from which commit.

The actor and commit come from the CI environment (GitHub Actions, GitLab CI), else git.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import subprocess
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from .db import json_dumps
from .plan import Plan, WorkspacePlan
from .tables import sync_runs

Recorder = Callable[[sa.Connection, Plan, bool], None]

HISTORY_PLAN_BOUND = 10_000
"""The most entries (changes, links, bookkeeping, unmanaged and pending rows) a workspace's plan
may have for `sync_runs.plan` to keep it whole. Above it the row keeps the plan's document with
those lists left empty and an `abridged` marker: storing a first sync's 130 MB plan as jsonb
was about 40% of that sync, and a plan of that size is read from the saved plan file (`plan
--out`) or the database itself, not from the history. docs/database.md describes the marker."""


def _git(root: Path, *args: str) -> str | None:
    try:
        result = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None if result.returncode == 0 else None


def actor(root: Path) -> str | None:
    for name in ("SHOTKIT_ACTOR", "GITHUB_ACTOR", "GITLAB_USER_LOGIN", "BUILDKITE_BUILD_CREATOR"):
        if os.environ.get(name):
            return os.environ[name]
    try:
        return _git(root, "config", "user.name") or getpass.getuser()
    except (KeyError, OSError):
        return None


def commit(root: Path) -> str | None:
    for name in ("GITHUB_SHA", "CI_COMMIT_SHA", "BUILDKITE_COMMIT"):
        if os.environ.get(name):
            return os.environ[name]
    return _git(root, "rev-parse", "HEAD")


def run_url() -> str | None:
    env = os.environ
    if env.get("GITHUB_RUN_ID") and env.get("GITHUB_REPOSITORY"):
        return f"{env.get('GITHUB_SERVER_URL', 'https://github.com')}/{env['GITHUB_REPOSITORY']}/actions/runs/{env['GITHUB_RUN_ID']}"
    return env.get("CI_JOB_URL") or env.get("BUILDKITE_BUILD_URL") or None


def fingerprint(text: str) -> str:
    """The SHA-256 of a plan document's stored JSON text (the text in `sync_runs.plan`)."""
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _plan_value(connection: sa.Connection) -> sa.ColumnElement[Any]:
    """The `plan` column's value from JSON text already serialised: the document of a large
    sync is serialised once (about a third of a first sync's CPU was spent serialising it
    again for the fingerprint and for the column). PostgreSQL casts the text to jsonb;
    SQLite stores JSON as text anyway (a CAST there would give the text numeric affinity)."""
    text = sa.bindparam("plan_text", type_=sa.Text)
    return text if connection.dialect.name == "sqlite" else sa.cast(text, JSONB)


def entries(workspace: WorkspacePlan) -> int:
    """The entries of a workspace's plan that the bound counts."""
    lists = (workspace.changes, workspace.links, workspace.bookkeeping, workspace.unmanaged)
    return sum(len(items) for items in lists) + len(workspace.pending_prune)


def document(plan: Plan, workspace: WorkspacePlan) -> dict[str, Any]:
    """The document `sync_runs.plan` keeps for one workspace: its whole plan, or, above
    HISTORY_PLAN_BOUND entries, the plan without its lists, marked as abridged (its summary,
    `has_changes` and fingerprint are the whole plan's)."""
    count = entries(workspace)
    if count <= HISTORY_PLAN_BOUND:
        return Plan(plan.owner, plan.prune, [workspace]).to_json()
    empty = WorkspacePlan(workspace.workspace, workspace.fingerprint)
    out = Plan(plan.owner, plan.prune, [empty]).to_json()
    out["has_changes"], out["summary"] = workspace.has_changes, workspace.summary()
    out["abridged"] = {"entries": count, "bound": HISTORY_PLAN_BOUND}
    return out


def recorder(root: Path) -> Recorder:
    """A function apply.sync calls inside its transaction, once the plan is known."""
    who, sha, url = actor(root), commit(root), run_url()

    def record(connection: sa.Connection, plan: Plan, applied: bool) -> None:
        now = datetime.now(timezone.utc)
        rows = []
        for workspace in plan.workspaces:
            kept = document(plan, workspace)
            text = json_dumps(kept)
            rows.append(
                {
                    "ran_at": now,
                    "workspace_id": workspace.workspace,
                    "owner": plan.owner,
                    "actor": who,
                    "commit_sha": sha,
                    "run_url": url,
                    "applied": applied,
                    "plan_fingerprint": fingerprint(text),
                    "state_fingerprint": workspace.fingerprint,
                    "summary": kept["summary"],  # counted once
                    "plan_text": text,
                }
            )
        if rows:
            connection.execute(sa.insert(sync_runs).values(plan=_plan_value(connection)), rows)

    return record


def _row(row: sa.Row[Any], with_plan: bool) -> dict[str, Any]:
    ran_at = (
        row.ran_at if row.ran_at.tzinfo else row.ran_at.replace(tzinfo=timezone.utc)
    )  # SQLite keeps no zone
    out = {
        "id": row.id,
        "ran_at": ran_at.astimezone(timezone.utc).isoformat(timespec="seconds"),
        "workspace": row.workspace_id,
        "owner": row.owner,
        "actor": row.actor,
        "commit_sha": row.commit_sha,
        "run_url": row.run_url,
        "applied": row.applied,
        "plan_fingerprint": row.plan_fingerprint,
        "state_fingerprint": row.state_fingerprint,
        "summary": row.summary,
    }
    if with_plan:
        out["plan"] = row.plan
    return out


def runs(
    connection: sa.Connection, workspaces: list[str] | None = None, limit: int = 20, with_plan: bool = False
) -> list[dict[str, Any]]:
    """The latest runs first."""
    columns = [c for c in sync_runs.c if with_plan or c.name != "plan"]
    query = sa.select(*columns).order_by(sync_runs.c.id.desc()).limit(limit)
    if workspaces:
        query = query.where(sync_runs.c.workspace_id.in_(workspaces))
    return [_row(row, with_plan) for row in connection.execute(query)]


def last_runs(connection: sa.Connection, workspaces: list[str]) -> list[dict[str, Any]]:
    """The latest run of each of these workspaces (for the plan comment)."""
    latest = (
        sa.select(sa.func.max(sync_runs.c.id))
        .where(sync_runs.c.workspace_id.in_(workspaces))
        .group_by(sync_runs.c.workspace_id)
    )
    columns = [c for c in sync_runs.c if c.name != "plan"]
    query = sa.select(*columns).where(sync_runs.c.id.in_(latest)).order_by(sync_runs.c.workspace_id)
    return [_row(row, False) for row in connection.execute(query)]


def text(rows: list[dict[str, Any]]) -> str:
    """One line a run, for a terminal: every value from the database cleaned of control
    characters (no escape sequences reach the terminal)."""
    from .mdescape import clean

    if not rows:
        return "No syncs recorded yet."
    lines = []
    for row in rows:
        s = row["summary"]
        what = (
            (
                f"{s['create']} created, {s['update']} updated, {s['delete']} deleted, "
                f"{s['link_add'] + s['link_update'] + s['link_remove']} link change(s)"
            )
            if row["applied"]
            else "no changes"
        )
        commit_sha = clean(row["commit_sha"] or "-", 200)[:12]
        lines.append(
            f"#{row['id']}  {row['ran_at']}  {clean(row['workspace'])}  by {clean(row['actor'] or '?', 40)}  "
            f"commit {commit_sha}  {what}"
        )
        note = abridged_note(row.get("plan"))
        if note:
            lines.append(f"    {clean(note, 200)}")
    return "\n".join(lines)


def abridged_note(plan: Any) -> str | None:
    """What `--with-plan` says of a run whose plan the history kept without its lists (over
    HISTORY_PLAN_BOUND), so an abridged plan is never taken for an empty one."""
    marker = plan.get("abridged") if isinstance(plan, dict) else None
    if not isinstance(marker, dict):
        return None
    return (
        f"plan abridged: it had {marker.get('entries')} entries, over the history's bound of "
        f"{marker.get('bound')}; the history keeps its summary and fingerprints, not its rows"
    )


def recorded_workspaces(connection: sa.Connection) -> list[str]:
    """Every workspace with at least one recorded sync, sorted."""
    query = sa.select(sync_runs.c.workspace_id).distinct().order_by(sync_runs.c.workspace_id)
    return [row[0] for row in connection.execute(query)]


def unrecorded(asked: list[str], recorded: list[str], shown: int = 10) -> list[str]:
    """A message for each workspace asked for that has no recorded sync (a typo, or a workspace
    never synced): with a did-you-mean, and the workspaces that do have syncs (issue 11)."""
    from .problems import did_you_mean

    listed = ", ".join(recorded[:shown]) + (
        f" and {len(recorded) - shown} more" if len(recorded) > shown else ""
    )
    have = f"workspaces with recorded syncs: {listed}" if recorded else "no workspace has a recorded sync yet"
    return [
        f"workspace '{name}' has no recorded syncs{did_you_mean(name, recorded)}; {have}"
        for name in dict.fromkeys(asked)
        if name not in recorded
    ]
