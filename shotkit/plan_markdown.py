"""The plan as a pull-request comment, made for review (GitHub Markdown).

Order: a hidden marker (a workflow finds and edits its own comment by it), the summary line
and table, a deletion warning, the cost of new takes, the last sync, a Mermaid diagram of the
changed shots, then one collapsible section per shot with its semantic diff. The head is
always kept; shot sections are added while they fit in `max_chars` (GitHub refuses comments
over 65,536 characters), the rest are counted. Every value goes through `mdescape`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from . import collector
from . import mdescape as esc
from .model import TAKE, Production, Workspace
from .operations import AssetOperation, CreateAsset, LinkOperation
from .plan import Plan, WorkspacePlan
from .registry import COST_KEY, SELECTED_KEY
from .semantic import by_shot, shot_lines, summary_line

MARKER = "<!-- shotkit-plan -->"
MAX_CHARS = 65_000
LISTED = 10  # deleted assets, workspaces in the table, shots in the diagram
LINES_PER_SHOT = 200


@dataclass
class Section:
    """One collapsible section; its lines are computed only when it is rendered, so a
    20,000-shot plan costs only the sections that fit."""

    shot: str | None
    workspace: str
    changes: list[AssetOperation] = field(default_factory=list)
    links: list[LinkOperation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    title: str = "Shared assets"

    @property
    def lines(self) -> list[str]:
        return self.notes or shot_lines(self.changes, self.links)


def render(
    plan: Plan,
    production: Production | None = None,
    last_runs: list[dict[str, Any]] | None = None,
    max_chars: int = MAX_CHARS,
) -> str:
    with collector.paused():  # grouping a large plan makes many small lists
        return _render(plan, production, last_runs, max_chars)


def _render(
    plan: Plan, production: Production | None, last_runs: list[dict[str, Any]] | None, max_chars: int
) -> str:
    head = "\n".join(_head(plan, last_runs or []))
    diagram = "\n".join(_diagram(plan, production)) if production is not None else ""
    sections = list(_sections(plan))
    parts, used = [head], len(head) + 400  # 400: room for the note on what was left out
    if diagram and used + len(diagram) < max_chars:
        parts.append(diagram)
        used += len(diagram) + 2
    shown = empty = 0
    for section in sections:
        rendered = _section(section, len(plan.workspaces) > 1)
        if not rendered:
            empty += 1
            continue
        text = "\n".join(rendered)
        if used + len(text) + 2 > max_chars:
            break
        parts.append(text)
        used += len(text) + 2
        shown += 1
    total = len(sections) - empty
    if shown < total:
        parts.append(
            f"**{total - shown} of {total} section(s) not shown** to stay under {max_chars:,} characters. "
            "The full plan is in the job summary, or run `shotkit plan`."
        )
    return "\n\n".join(parts) + "\n"


def _head(plan: Plan, last_runs: list[dict[str, Any]]) -> Iterator[str]:
    yield MARKER
    yield "### shotkit plan"
    yield ""
    yield f"**{summary_line(plan)}**"
    yield ""
    yield "| workspace | create | update | delete | links + | links ~ | links - |"
    yield "|---|---:|---:|---:|---:|---:|---:|"
    for workspace in plan.workspaces[:LISTED]:
        c = workspace.summary()
        yield f"| {esc.inline(workspace.workspace)} | {c['create']} | {c['update']} | {c['delete']} | {c['link_add']} | {c['link_update']} | {c['link_remove']} |"
    if len(plan.workspaces) > LISTED:
        yield f"| and {len(plan.workspaces) - LISTED} more | | | | | | |"
    yield from _deletions(plan)
    yield from _costs(plan)
    yield from _notes(plan)
    yield from _last_runs(last_runs)


def _deletions(plan: Plan) -> Iterator[str]:
    deleted = [change for w in plan.workspaces for change in w.deletes]
    if not deleted:
        return
    names = ", ".join(f"{esc.inline(c.type)} {esc.inline(c.key or c.name)}" for c in deleted[:LISTED])
    more = f", and {len(deleted) - LISTED} more" if len(deleted) > LISTED else ""
    yield ""
    yield "> [!WARNING]"
    yield f"> This plan **deletes {len(deleted)} asset(s)** and their links: {names}{more}."


def _costs(plan: Plan) -> Iterator[str]:
    takes = [c for w in plan.workspaces for c in w.changes if isinstance(c, CreateAsset) and c.type == TAKE]
    if not takes:
        return
    costs = [(c.row.get("asset_metadata") or {}).get(COST_KEY) for c in takes]
    known = [float(x) for x in costs if isinstance(x, (int, float)) and not isinstance(x, bool)]
    unknown = f" ({len(takes) - len(known)} without a cost)" if len(known) < len(takes) else ""
    yield ""
    yield f"**New takes:** {len(takes)}, generation cost **+{sum(known):.2f}**{unknown}."


def _notes(plan: Plan) -> Iterator[str]:
    s = plan.summary()
    if s["unmanaged"] or s["pending_prune"]:
        yield ""
        yield (
            f"{s['unmanaged']} row(s) made outside this project are kept as they are; "
            f"{s['pending_prune']} row(s) this project made left the manifests (`sync --prune` would delete them)."
        )


def _last_runs(runs: list[dict[str, Any]]) -> Iterator[str]:
    for run in runs[:LISTED]:
        commit = f", commit {esc.inline(str(run['commit_sha'])[:12])}" if run.get("commit_sha") else ""
        actor = f" by {esc.inline(run['actor'])}" if run.get("actor") else ""
        link = esc.url(run["run_url"]) if run.get("run_url") else None
        yield ""
        when = esc.inline(str(run["ran_at"])[:16].replace("T", " ") + " UTC")
        yield (
            f"Last sync of {esc.inline(run['workspace'])}: run {int(run['id'])}, {when}{actor}{commit}"
            + (f" ([log]({link}))" if link else "")
            + " (`shotkit history`)."
        )


def _sections(plan: Plan) -> Iterator[Section]:
    for workspace in plan.workspaces:
        groups = by_shot(workspace)
        for shot in sorted(groups, key=lambda k: (k is None, k or "")):
            changes, links = groups[shot]
            yield Section(shot, workspace.workspace, changes, links)
        extra = _workspace_notes(workspace)
        if extra:
            yield Section(None, workspace.workspace, notes=extra, title="Rows not in the manifests")


def _workspace_notes(workspace: WorkspacePlan) -> list[str]:
    lines = [f"! unmanaged (kept) {r.type} {r.key or r.name}" for r in workspace.unmanaged[:LISTED]]
    lines += [f"! pending --prune {r.type} {r.key or r.name}" for r in workspace.pending_prune[:LISTED]]
    return lines


def _section(section: Section, many: bool) -> list[str]:
    all_lines = section.lines
    if not all_lines:
        return []
    title = f"Shot {esc.html(section.shot)}" if section.shot else section.title
    where = f" in {esc.html(section.workspace)}" if many else ""
    lines = all_lines[:LINES_PER_SHOT]
    body = [esc.code(line) for line in lines]
    if len(all_lines) > LINES_PER_SHOT:
        body.append(f"! {len(all_lines) - LINES_PER_SHOT} more change(s) not shown")
    return [
        f"<details><summary>{title}{where}: {len(all_lines)} change(s)</summary>",
        "",
        "```diff",
        *body,
        "```",
        "",
        "</details>",
    ]


def _diagram(plan: Plan, production: Production) -> Iterator[str]:
    shots = [(w.workspace, shot) for w in plan.workspaces for shot in sorted(k for k in by_shot(w) if k)]
    drawn = [
        (production.workspaces[w], s)
        for w, s in shots
        if w in production.workspaces and ("shot", s) in production.workspaces[w].assets
    ]
    if not drawn:
        return
    yield (
        f"**Changed shots** ({len(drawn[:LISTED])} of {len(drawn)} drawn, as the manifests declare them):"
        if len(drawn) > LISTED
        else "**Changed shots**, as the manifests declare them:"
    )
    yield ""
    yield "```mermaid"
    yield "flowchart LR"
    yield "  classDef selected fill:#d3f9d8,stroke:#2b8a3e,stroke-width:2px"
    counter = iter(range(1, 1_000_000))
    for workspace, shot in drawn[:LISTED]:
        yield from _shot_graph(workspace, shot, counter)
    yield "```"


def _shot_graph(workspace: Workspace, shot: str, counter: Iterator[int]) -> Iterator[str]:
    asset = workspace.assets[("shot", shot)]
    root = f"n{next(counter)}"
    yield f'  {root}["shot {esc.mermaid(shot)}: {esc.mermaid(asset.name)}"]'
    order = {"uses_character": 0, "uses_audio": 1, "uses_script": 2, "generation_attempt": 3}
    links = sorted(
        (link for link in workspace.links if link.parent == ("shot", shot)),
        key=lambda link: (order.get(link.type, 4), link.type, link.sequence or 0),
    )
    for link in links:
        child = workspace.assets.get((link.child_type, link.child_key))
        node = f"n{next(counter)}"
        name = esc.mermaid(child.name if child else link.child_key)
        if link.type == "uses_audio":
            yield f'  {root} -->|"layer {link.sequence}"| {node}["audio: {name}"]'
        elif link.type == "generation_attempt":
            selected = bool(child and child.metadata.get(SELECTED_KEY) is True)
            yield f'  {root} --> {node}["take {link.sequence}{" (selected)" if selected else ""}"]'
            if selected:
                yield f"  class {node} selected"
        else:
            noun = {"uses_character": "character", "uses_script": "script"}.get(
                link.type, esc.mermaid(link.type)
            )
            yield f'  {root} --> {node}["{noun}: {name}"]'
