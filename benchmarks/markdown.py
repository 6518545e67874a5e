"""Benchmark: the Markdown plan comment of a plan with many changed shots.

    python -m benchmarks.markdown [--shots 20000] [--repeat 3]

Builds a plan in memory (no database): per shot a new shot, a new take with a cost, a
re-selected take and a moved audio layer, then times `plan_markdown.render` under the default
65,000-character limit, best of --repeat, and prints the size and how many sections fit.
"""

from __future__ import annotations

import argparse
import time

from shotkit.plan import Plan, WorkspacePlan
from shotkit.plan_markdown import render


def plan(shots: int) -> Plan:
    changes: list[dict] = []
    links: list[dict] = []
    for n in range(shots):
        shot = f"s{n:05d}"
        changes.append(
            {
                "action": "create",
                "id": f"a{n}",
                "type": "shot",
                "key": shot,
                "name": f"Shot {n}",
                "shot": shot,
                "row": {"asset_metadata": {}},
            }
        )
        changes.append(
            {
                "action": "create",
                "id": f"b{n}",
                "type": "shot_take",
                "key": f"{shot}#3",
                "name": "Take 3",
                "shot": shot,
                "row": {
                    "asset_metadata": {
                        "generation_cost": 0.5,
                        "generation_params": {"provider": "minimax", "model": "video-01"},
                    }
                },
            }
        )
        changes.append(
            {
                "action": "update",
                "id": f"c{n}",
                "type": "shot_take",
                "key": f"{shot}#2",
                "name": "Take 2",
                "shot": shot,
                "fields": [{"field": "asset_metadata.selected", "old": False, "new": True}],
                "row": {},
            }
        )
        links.append(
            {
                "action": "update",
                "type": "uses_audio",
                "parent": ["shot", shot],
                "child": ["audio", "rain-fx"],
                "shot": shot,
                "fields": [{"field": "sequence", "old": 2, "new": 1}],
                "row": {},
            }
        )
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
