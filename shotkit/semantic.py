"""A plan's changes as a reviewer reads them: per shot, "selected take 2 -> 3", "audio layer
'rain-fx' moved from 2 to 1", "+ character kid", rather than raw fields.

Lines are plain text with a diff prefix (`+`, `-`, `~`, `!`); the renderer escapes them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from .operations import (
    AddLink,
    AssetOperation,
    CreateAsset,
    DeleteAsset,
    FieldChange,
    LinkOperation,
    RemoveLink,
    UpdateAsset,
    UpdateLink,
    unreachable,
)
from .registry import COST_KEY, PARAMS_KEY, SELECTED_KEY

if TYPE_CHECKING:
    from .plan import Plan, WorkspacePlan

SYMBOL: dict[type[AssetOperation | LinkOperation], str] = {
    CreateAsset: "+",
    AddLink: "+",
    UpdateAsset: "~",
    UpdateLink: "~",
    DeleteAsset: "-",
    RemoveLink: "-",
}
LINK_NOUN = {"uses_character": "character", "uses_audio": "audio layer", "uses_script": "script"}
NESTED_LINKS = ("generation_attempt", "generated_video")  # shown as their take or video


def summary_line(plan: Plan) -> str:
    """The plan in one line, the same in the terminal and in the pull-request comment."""
    s = plan.summary()
    if not plan.has_changes:
        return "No changes. The database matches the manifests."
    return (
        f"Plan: {s['create']} to create, {s['update']} to update, {s['delete']} to delete; "
        f"links: {s['link_add']} to add, {s['link_update']} to update, {s['link_remove']} to remove."
    )


def value(item: Any, limit: int = 60) -> str:
    text = item if isinstance(item, str) else json.dumps(item, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def field_name(name: str) -> str:
    return name.removeprefix("asset_metadata.")


def field_line(item: FieldChange) -> str:
    name = field_name(item.field)
    if item.added:
        return f"{name} {value(item.new)}"
    if item.removed:
        return f"{name} removed (was {value(item.old)})"
    return f"{name} {value(item.old)} -> {value(item.new)}"


def attempt(change: AssetOperation) -> str:
    key = change.key or ""
    return key.rsplit("#", 1)[1] if "#" in key else value(change.name or change.id)


def by_shot(
    workspace: WorkspacePlan,
) -> dict[str | None, tuple[list[AssetOperation], list[LinkOperation]]]:
    changes: dict[str | None, list[AssetOperation]] = defaultdict(list)
    links: dict[str | None, list[LinkOperation]] = defaultdict(list)
    for change in workspace.changes:
        changes[change.shot].append(change)
    for link in workspace.links:
        links[link.shot].append(link)
    return {shot: (changes.get(shot, []), links.get(shot, [])) for shot in {**changes, **links}}


def selection(changes: list[AssetOperation]) -> tuple[list[str], list[str]]:
    """Attempts selected before and after, from the takes' `selected` changes."""
    before: list[str] = []
    after: list[str] = []
    for change in changes:
        if change.type != "shot_take":
            continue
        if (
            isinstance(change, CreateAsset)
            and (change.row.get("asset_metadata") or {}).get(SELECTED_KEY) is True
        ):
            after.append(attempt(change))
        if isinstance(change, UpdateAsset):
            for item in change.fields:
                if item.field == "asset_metadata.selected":
                    (after if item.new is True else before).append(attempt(change))
    return before, after


def shot_lines(changes: list[AssetOperation], links: list[LinkOperation]) -> list[str]:
    lines: list[str] = []
    before, after = selection(changes)
    if before or after:
        lines.append(f"~ selected take {', '.join(before) or 'none'} -> {', '.join(after) or 'none'}")
    for change in changes:
        lines.extend(_asset_lines(change))
    for link in links:
        lines.extend(_link_lines(link))
    return lines


def _take_summary(row: dict[str, Any]) -> str:
    metadata = row.get("asset_metadata") or {}
    parts = []
    generation = metadata.get(PARAMS_KEY)
    if isinstance(generation, dict) and (generation.get("provider") or generation.get("model")):
        parts.append("/".join(value(generation[k], 30) for k in ("provider", "model") if generation.get(k)))
    if isinstance(metadata.get(COST_KEY), (int, float)):
        parts.append(f"cost {metadata['generation_cost']:.2f}")
    return f" ({', '.join(parts)})" if parts else ""


def _asset_lines(change: AssetOperation) -> list[str]:
    kind = change.type
    created = change.row if isinstance(change, CreateAsset) else None
    if kind == "shot_take":
        subject = f"take {attempt(change)}"
        extra = _take_summary(created) if created is not None else ""
    elif kind == "video":
        subject = f"take {attempt(change)} video"
        extra = f" {value(created.get('url'))}" if created is not None and created.get("url") else ""
    else:
        key = change.key or change.name or change.id
        subject = f"{kind} {value(key)}"
        name = change.name
        extra = f" ({value(name)})" if not isinstance(change, UpdateAsset) and name and name != key else ""
    if isinstance(change, UpdateAsset):
        return [
            f"~ {subject}: {field_line(item)}"
            for item in change.fields
            if item.field != "asset_metadata.selected"
        ]
    return [f"{SYMBOL[type(change)]} {subject}{extra}"]


def _link_subject(link: LinkOperation) -> str:
    kind, child = link.type, value(link.child[1])
    noun = LINK_NOUN.get(kind)
    if noun is None:
        return f"link {kind} -> {link.child[0]} {child}"
    return f"audio layer '{child}'" if kind == "uses_audio" else f"{noun} {child}"


def _link_lines(link: LinkOperation) -> list[str]:
    if link.type in NESTED_LINKS and not isinstance(link, UpdateLink):
        return []  # the take or video line says it
    subject = _link_subject(link)
    match link:
        case AddLink():
            at = link.sequence is not None and link.type == "uses_audio"
            where = f" at {link.sequence}" if at else ""
            meta = f" {value(link.metadata)}" if link.metadata else ""
            return [f"+ {subject}{where}{meta}"]
        case RemoveLink():
            return [f"- {subject}"]
        case UpdateLink():
            return [
                f"~ {subject} moved from {item.old} to {item.new}"
                if item.field == "sequence"
                else f"~ {subject}: {value(item.old)} -> {value(item.new)}"
                for item in link.fields
            ]
        case _:
            unreachable(link)
