"""Renderers of a plan: Terraform-like text, JSON, and the Markdown comment (plan_markdown).

`REPORTERS` maps each `plan --format` to its function, like the other kinds of output
(`report`, `stats`, `drawing`): a command looks its format up there.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import plan_markdown
from .escape import json_inline, text_inline
from .operations import (
    AddLink,
    AssetOperation,
    FieldChange,
    LinkOperation,
    RemoveLink,
    RowLabel,
    UpdateAsset,
    UpdateLink,
    unreachable,
)
from .plan import Plan, WorkspacePlan
from .semantic import SYMBOL, summary_line

if TYPE_CHECKING:
    from .model import Production

LISTED = 10  # unmanaged / pending rows listed by name before "and N more"

__all__ = [
    "REPORTERS",
    "PlanOutput",
    "as_json",
    "change_lines",
    "lines",
    "link_lines",
    "summary_line",
    "text",
]


def _value(value: Any) -> str:
    text = json_inline(json.dumps(value, ensure_ascii=False, sort_keys=True))
    return text if len(text) <= 80 else text[:77] + "..."


def _asset(change: AssetOperation) -> str:
    key = change.key or change.id
    name = f" ({text_inline(change.name)})" if change.name and change.name != key else ""
    return f'{text_inline(change.type)} "{text_inline(key)}"{name}'


def _end(end: tuple[str, str]) -> str:
    return f'{text_inline(end[0])} "{text_inline(end[1])}"'


def _field(item: FieldChange) -> str:
    if item.added:
        return f"    + {text_inline(item.field)}: {_value(item.new)}"
    if item.removed:
        return f"    - {text_inline(item.field)}: {_value(item.old)}"
    return f"    ~ {text_inline(item.field)}: {_value(item.old)} -> {_value(item.new)}"


def change_lines(change: AssetOperation) -> list[str]:
    lines = [f"{SYMBOL[type(change)]} {change.action} {_asset(change)}"]
    if isinstance(change, UpdateAsset):
        lines.extend(_field(item) for item in change.fields)
    return lines


def link_lines(link: LinkOperation) -> list[str]:
    head = f"{SYMBOL[type(link)]} link {text_inline(link.type)}: {_end(link.parent)} -> {_end(link.child)}"
    match link:
        case AddLink():
            extra = []
            if link.sequence is not None:
                extra.append(f"sequence {link.sequence}")
            if link.metadata:
                extra.append(_value(link.metadata))
            return [head + (f" ({', '.join(extra)})" if extra else "")]
        case UpdateLink():
            return [head] + [_field(item) for item in link.fields]
        case RemoveLink():
            return [head]
        case _:
            unreachable(link)


def _listed(rows: list[RowLabel]) -> str:
    names = [f'{text_inline(r.type)} "{text_inline(r.key or r.name)}"' for r in rows[:LISTED]]
    more = f", and {len(rows) - LISTED} more" if len(rows) > LISTED else ""
    return ", ".join(names) + more


def _notes(workspace: WorkspacePlan) -> list[str]:
    notes = []
    if workspace.pending_prune:
        notes.append(
            f"{len(workspace.pending_prune)} row(s) this project made are no longer in the manifests; `sync --prune` would delete them: {_listed(workspace.pending_prune)}"
        )
    if workspace.unmanaged:
        notes.append(
            f"{len(workspace.unmanaged)} row(s) made outside this project are kept as they are (`shotkit export` brings them into the manifests): {_listed(workspace.unmanaged)}"
        )
    return notes


def text(plan: Plan) -> str:
    return "\n".join(lines(plan))


def lines(plan: Plan, listed: int | None = None) -> Iterator[str]:
    """The lines of `text`, made one at a time: a first sync's plan is 260,000 lines, which
    `sync` writes as they come rather than holding them and their joined text at once.
    `listed`: a workspace with more operations than this gets one line of counts instead of a
    line each (what `sync` prints after applying; the reviewed plan lists them all)."""
    for workspace in plan.workspaces:
        notes = _notes(workspace)
        if not (workspace.changes or workspace.links or notes):  # each operation has a line
            continue
        yield f"Workspace {text_inline(workspace.workspace)}:"
        operations = len(workspace.changes) + len(workspace.links)
        if listed is not None and operations > listed:
            yield "  " + _counted(workspace, listed)
        else:
            for change in workspace.changes:
                yield from ("  " + line for line in change_lines(change))
            for link in workspace.links:
                yield from ("  " + line for line in link_lines(link))
        yield from ("  note: " + note for note in notes)
        yield ""
    yield summary_line(plan)


def _counted(workspace: WorkspacePlan, listed: int) -> str:
    s = workspace.summary()
    links = s["link_add"] + s["link_update"] + s["link_remove"]
    return (
        f"{len(workspace.changes) + len(workspace.links)} operations ({s['create']} created, "
        f"{s['update']} updated, {s['delete']} deleted, {links} link changes), not listed one "
        f"by one above {listed:,}: `shotkit plan --out FILE` before a sync keeps the whole plan, "
        "`sync --format json` prints it"
    )


def as_json(plan: Plan) -> str:
    return json.dumps(plan.to_json(), indent=2, ensure_ascii=False)


@dataclass(frozen=True)
class PlanOutput:
    """What a plan reporter renders: the plan, and what only the Markdown comment shows (the
    production for its diagram, the last syncs, its size limit)."""

    plan: Plan
    production: Production | None = None
    last_runs: list[dict[str, Any]] = field(default_factory=list)
    max_chars: int = plan_markdown.MAX_CHARS


def _text(output: PlanOutput) -> str:
    return text(output.plan)


def _json(output: PlanOutput) -> str:
    return as_json(output.plan)


def _markdown(output: PlanOutput) -> str:
    return plan_markdown.render(output.plan, output.production, output.last_runs, output.max_chars)


REPORTERS: dict[str, Callable[[PlanOutput], str]] = {"text": _text, "json": _json, "markdown": _markdown}
