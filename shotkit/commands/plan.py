"""`shotkit plan`: what sync would change, as text, Markdown (a PR comment) or JSON."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .. import collector, console
from ._output import emit, warn
from ._plans import PlanSource, from_manifests

if TYPE_CHECKING:
    from ..db import Database
    from ..plan import Plan


def _output(database: Database, the_plan: Plan, source: PlanSource, fmt: str, max_chars: int) -> str:
    from .. import history, render

    last = []
    if fmt == "markdown":  # only the PR comment shows the last syncs
        with database.engine.connect() as connection:
            last = history.last_runs(connection, source.workspaces)
    output = render.REPORTERS[fmt](render.PlanOutput(the_plan, source.production, last, max_chars))
    return console.plan_text(output) if fmt == "text" else output


def plan(
    paths: list[Path],
    database_url: str | None,
    fmt: str,
    out: Path | None,
    detailed_exitcode: bool,
    prune: bool,
    max_deletes: int | None,
    max_chars: int = 65_000,
) -> int:
    from .. import db
    from .. import plan as plan_

    with console.meter(fmt == "text") as show:  # a progress line on a terminal only
        show("loading manifests", 0, 0)
        source = from_manifests(paths, prune, max_deletes)
        database = db.open_database(database_url, source.project.root)
        states = source.read_states(database, show)
    warn([message for state in states.values() for message in state.drift])
    with console.meter(fmt == "text") as show:
        show("planning", 0, 0)
        the_plan = source.plan(states)
    if out is not None:
        plan_.save(the_plan, out)
    emit(_output(database, the_plan, source, fmt, max_chars))
    if out is not None and fmt == "text":
        console.info(f"Saved the plan to {out}; apply exactly it with `shotkit sync --plan {out}`.")
    collector.keep(source, states, the_plan)  # freed by the process's end, not object by object
    return 2 if detailed_exitcode and the_plan.has_changes else 0
