"""`shotkit sync`: apply the plan (fresh, or a reviewed saved one) in one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from .. import collector, console
from ._output import emit_json, warn
from ._plans import plan_source

if TYPE_CHECKING:
    from ..apply import Outcome

LISTED = 10_000
"""Above this many operations in a workspace, the text printed after a sync counts them
instead of listing them (a first sync of 10,000 shots is 261,500 lines that no one reads in
a CI log, and rendering them took a tenth of that sync)."""


def sync(
    paths: list[Path],
    database_url: str | None,
    plan_file: Path | None,
    prune: bool,
    max_deletes: int | None,
    lock_timeout: float,
    fmt: str,
) -> int:
    from .. import render

    outcome = _apply(paths, database_url, plan_file, prune, max_deletes, lock_timeout, fmt)
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
        listed = render.lines(outcome.plan, LISTED)
        for chunk in _chunks(listed):  # never the whole text at once
            console.info(console.plan_text(chunk))
        if outcome.plan.has_changes:
            console.info("Applied in one transaction.")
    collector.keep(outcome)  # the applied plan, freed by the process's end, not object by object
    return 0


def _apply(
    paths: list[Path],
    database_url: str | None,
    plan_file: Path | None,
    prune: bool,
    max_deletes: int | None,
    lock_timeout: float,
    fmt: str,
) -> Outcome:
    """Load, then apply in one transaction. The manifests' model goes when this returns, before
    the applied plan is rendered: at 10,000 shots the model is about 340 MB, and the plan's text
    another 70 MB at its peak, which need not be alive at once."""
    from .. import apply, db
    from ..history import recorder

    with console.meter(fmt == "text") as show:  # a progress line on a terminal only
        show("loading manifests", 0, 0)
        source = plan_source(paths, plan_file, prune, max_deletes)
    database = db.open_database(database_url, source.project.root, lock_timeout=lock_timeout)
    with console.meter(fmt == "text") as show, collector.paused():
        return apply.sync(
            database,
            source.workspaces,
            source.saved if source.saved is not None else source.plan,
            source.project.owner,
            lock_timeout,
            max_deletes,
            progress=show,
            claimed=source.claimed,
            record=recorder(source.project.root),
            matcher=source.matcher,
        )


def _chunks(lines: Iterator[str], size: int = 10_000) -> Iterator[str]:
    """`lines` joined in blocks of `size`: written one after the other (each with its newline),
    the same text as all of them joined."""
    block: list[str] = []
    for line in lines:
        block.append(line)
        if len(block) == size:
            yield "\n".join(block)
            block = []
    if block:
        yield "\n".join(block)
