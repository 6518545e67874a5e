"""Benchmark: `shotkit review` and `shotkit cut` on a generated production.

    python -m benchmarks.review [--shots 1000] [--repeat 1]

Uses the production of `benchmarks.validate` (3 characters, 4 audio layers, 2 scripts and 3
takes with videos per shot, 200 characters in all) and times, after loading the manifests
once: rendering every page, writing the site, building the OTIO timeline and writing it.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from shotkit import cut, pipeline, review, shotlist, stats

from .validate import production, write


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shots", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write(root, production(args.shots))
        load_time, loaded = timed(lambda: pipeline.load_valid([root]), 1)
        shots = shotlist.shots(loaded.production)  # type: ignore[attr-defined]
        summary = stats.compute(loaded.production)  # type: ignore[attr-defined]
        render_time, pages = timed(lambda: review.render(shots, summary, [str(root)]), args.repeat)
        site = root / "site"
        write_time, _ = timed(lambda: review.write_site(site, pages), args.repeat)  # type: ignore[arg-type]
        size = sum(p.stat().st_size for p in site.rglob("*.html"))
        index = (site / "index.html").stat().st_size
        cut_time, timeline = timed(lambda: cut.timeline(shots, "bench"), args.repeat)
        out = root / "cut.otio"
        cut_write_time, _ = timed(lambda: cut.write(timeline, out, "otio_json"), args.repeat)  # type: ignore[arg-type]
        cut_size = out.stat().st_size
    print(f"production: {args.shots} shots (loaded and checked in {load_time:.2f} s)")
    print(
        f"review: render {len(pages)} pages  {render_time:7.2f} s  ({render_time / args.shots * 1e3:.2f} ms/shot)"
    )
    print(
        f"review: write the site         {write_time:7.2f} s  ({size / 1e6:.1f} MB; index.html {index / 1e6:.1f} MB)"
    )
    print(f"cut: build the timeline        {cut_time:7.2f} s")
    print(f"cut: write otio_json           {cut_write_time:7.2f} s  ({cut_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
