"""`shotkit sync`: apply the plan (fresh, or a reviewed saved one) in one transaction."""

from __future__ import annotations

from pathlib import Path

from .. import collector, console
from ._output import emit_json, warn
from ._plans import plan_source


def sync(
    paths: list[Path],
    database_url: str | None,
    plan_file: Path | None,
    prune: bool,
    max_deletes: int | None,
    lock_timeout: float,
    fmt: str,
) -> int:
    from .. import apply, db, render
    from ..history import recorder

    with console.meter(fmt == "text") as show:  # a progress line on a terminal only
        show("loading manifests", 0, 0)
        source = plan_source(paths, plan_file, prune, max_deletes)
    database = db.open_database(database_url, source.project.root, lock_timeout=lock_timeout)
    with console.meter(fmt == "text") as show, collector.paused():
        outcome = apply.sync(
            database,
            source.workspaces,
            source.saved if source.saved is not None else source.plan,
            source.project.owner,
            lock_timeout,
            max_deletes,
            progress=show,
            claimed=source.claimed,
            record=recorder(source.project.root),
        )
    warn(outcome.drift)
    if fmt == "json":
        emit_json(
            {
                "format_version": 1,
                "applied": outcome.applied,
                "summary": outcome.plan.summary(),
                "plan": outcome.plan.to_json(),
            }
        )
    elif not console.quiet():  # rendering a first sync's 260,000 lines costs seconds: not for nothing
        console.info(console.plan_text(render.text(outcome.plan)))
        if outcome.plan.has_changes:
            console.info("Applied in one transaction.")
    return 0
