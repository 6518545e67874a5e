"""Benchmark: the Markdown plan comment of a plan with many changed shots.

    python -m benchmarks.markdown [--shots 20000] [--repeat 3]

Builds a plan in memory (no database): per shot a new shot, a new take with a cost, a
re-selected take and a moved audio layer, then times `plan_markdown.render` under the default
65,000-character limit, best of --repeat, and prints the size and how many sections fit.
"""

from __future__ import annotations

import argparse
import time

from shotkit.operations import (
    AssetOperation,
    CreateAsset,
    FieldChange,
    LinkOperation,
    UpdateAsset,
    UpdateLink,
)
from shotkit.plan import Plan, WorkspacePlan
from shotkit.plan_markdown import render


def plan(shots: int) -> Plan:
    changes: list[AssetOperation] = []
    links: list[LinkOperation] = []
    for n in range(shots):
        shot = f"s{n:05d}"
        changes.append(CreateAsset(f"a{n}", "shot", shot, f"Shot {n}", shot, {"asset_metadata": {}}))
        metadata = {"generation_cost": 0.5, "generation_params": {"provider": "minimax", "model": "video-01"}}
        changes.append(
            CreateAsset(f"b{n}", "shot_take", f"{shot}#3", "Take 3", shot, {"asset_metadata": metadata})
        )
        selected = FieldChange("asset_metadata.selected", False, True)
        changes.append(UpdateAsset(f"c{n}", "shot_take", f"{shot}#2", "Take 2", shot, (selected,), {}))
        moved = FieldChange("sequence", 2, 1)
        links.append(UpdateLink("uses_audio", ("shot", shot), ("audio", "rain-fx"), shot, (moved,), {}))
    return Plan("bench", False, [WorkspacePlan("bench", "sha256:x", changes, links)])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shots", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    the_plan = plan(args.shots)
    best = float("inf")
    for _ in range(args.repeat):
        start = time.perf_counter()
        out = render(the_plan)
        best = min(best, time.perf_counter() - start)
    print(
        f"{args.shots} shots: rendered in {best:.3f} s (best of {args.repeat}); {len(out):,} characters, {out.count('<details>')} sections shown"
    )


if __name__ == "__main__":
    main()
