"""Production statistics: character usage, takes, and generation cost by shot, provider, model.

`REPORTERS` maps each `stats --format` to its function, like the other kinds of output.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from .escape import text_inline
from .model import TAKE, Production
from .registry import COST_KEY, PARAMS_KEY, SELECTED_KEY

STATS_FORMAT_VERSION = 1


def compute(production: Production) -> dict[str, Any]:
    usage: Counter[Any] = Counter()
    takes_by_shot: Counter[Any] = Counter()
    cost_by_shot: defaultdict[Any, Any] = defaultdict(float)
    cost_by_provider: defaultdict[Any, Any] = defaultdict(float)
    cost_by_model: defaultdict[Any, Any] = defaultdict(float)
    shots = 0
    selected = 0
    for workspace in production.workspaces.values():
        for link in workspace.links:
            if link.type == "uses_character":
                usage[link.child_key] += 1
        for asset in workspace.assets.values():
            if asset.type == "shot":
                shots += 1
            if asset.type != TAKE:
                continue
            shot = asset.key.rsplit("#", 1)[0]
            takes_by_shot[shot] += 1
            selected += bool(asset.metadata.get(SELECTED_KEY))
            cost = float(asset.metadata.get(COST_KEY) or 0)
            params = asset.metadata.get(PARAMS_KEY) or {}
            cost_by_shot[shot] += cost
            cost_by_provider[str(params.get("provider", "(none)"))] += cost
            cost_by_model[f"{params.get('provider', '(none)')}/{params.get('model', '(none)')}"] += cost
    return {
        "format_version": STATS_FORMAT_VERSION,
        "shots": shots,
        "takes": sum(takes_by_shot.values()),
        "selected_takes": selected,
        "total_cost": round(sum(cost_by_shot.values()), 6),
        "character_usage": dict(sorted(usage.items(), key=lambda kv: (-kv[1], kv[0]))),
        "takes_by_shot": dict(sorted(takes_by_shot.items())),
        "cost_by_shot": {k: round(v, 6) for k, v in sorted(cost_by_shot.items())},
        "cost_by_provider": {k: round(v, 6) for k, v in sorted(cost_by_provider.items())},
        "cost_by_model": {k: round(v, 6) for k, v in sorted(cost_by_model.items())},
    }


def text(result: dict[str, Any]) -> str:
    lines = [
        f"{result['shots']} shot(s), {result['takes']} take(s), {result['selected_takes']} selected, total cost {result['total_cost']:.2f}"
    ]
    for title, key in (
        ("Character usage (shots)", "character_usage"),
        ("Takes by shot", "takes_by_shot"),
        ("Cost by shot", "cost_by_shot"),
        ("Cost by provider", "cost_by_provider"),
        ("Cost by model", "cost_by_model"),
    ):
        lines.append(f"\n{title}:")
        for name, value in result[key].items():
            shown = text_inline(
                str(name)
            )  # a provider or model from a manifest: one line, no control characters
            lines.append(
                f"  {shown:<30} {value:>10.2f}" if isinstance(value, float) else f"  {shown:<30} {value:>10}"
            )
    return "\n".join(lines)


def as_json(result: dict[str, Any]) -> str:
    return json.dumps(result, indent=2, default=str)


REPORTERS: dict[str, Callable[[dict[str, Any]], str]] = {"text": text, "json": as_json}
