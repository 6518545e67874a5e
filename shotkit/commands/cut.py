"""`shotkit cut`: the cut as an OpenTimelineIO timeline."""

from __future__ import annotations

from pathlib import Path

import click

from .. import pipeline, shotlist


def cut(paths: list[Path], out: Path, fmt: str | None) -> int:
    from .. import cut as cut_

    chosen = cut_.format_for(out, fmt)  # an adapter that is not installed fails before any work
    loaded = pipeline.load_valid(paths)
    shots = shotlist.shots(loaded.production)
    name = ", ".join(loaded.production.workspaces) or "shotkit cut"
    for note in cut_.write(cut_.timeline(shots, name), out, chosen):
        click.echo(f"note: {note}", err=True)
    selected = sum(1 for shot in shots if shot.selected)
    click.echo(
        f"wrote {out} ({chosen}): {len(shots)} shot(s), {selected} selected take(s), {len(shots) - selected} gap(s)"
    )
    return 0
