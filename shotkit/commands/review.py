"""`shotkit review`: a static review site of the production."""

from __future__ import annotations

from pathlib import Path

import click

from .. import pipeline, shotlist, stats


def review(paths: list[Path], out: Path) -> int:
    from .. import review as site

    loaded = pipeline.load_valid(paths)
    shots = shotlist.shots(loaded.production)
    pages = site.render(shots, stats.compute(loaded.production), [str(p) for p in paths])
    site.write_site(out, pages)
    click.echo(f"wrote {len(pages)} page(s) to {out}/ (open {out / 'index.html'})")
    return 0
