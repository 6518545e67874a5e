"""The plan: what sync would change, as plain data (the diff of the model against the state).

A plan is computed per workspace. It holds full rows for what it writes, so a saved plan is
applied exactly as reviewed, and the fingerprint of the state it was computed against.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import planfile
from .errors import PruneRefused, ShotkitError
from .escape import text_inline
from .model import TAKE, VIDEO, Production, Workspace, uuid5_text
from .state import ASSET_FIELDS, State, same

PLAN_FORMAT_VERSION = planfile.FORMAT_VERSION
DEFAULT_MAX_DELETES = 50


@dataclass
class WorkspacePlan:
    workspace: str
    fingerprint: str
    changes: list[dict[str, Any]] = field(default_factory=list)  # asset create / update / delete
    links: list[dict[str, Any]] = field(default_factory=list)  # link add / remove / update
    bookkeeping: list[dict[str, Any]] = field(default_factory=list)  # manifest key and source only
    unmanaged: list[dict[str, Any]] = field(default_factory=list)  # rows of other tools: reported, kept
    pending_prune: list[dict[str, Any]] = field(default_factory=list)  # owned rows that left the manifests

    @property
    def has_changes(self) -> bool:
        return bool(self.changes or self.links)


@dataclass
class Plan:
    owner: str
    prune: bool
    workspaces: list[WorkspacePlan]
    format_version: int = PLAN_FORMAT_VERSION

    @property
    def has_changes(self) -> bool:
        return any(w.has_changes for w in self.workspaces)

    def summary(self) -> dict[str, int]:
        counts = {"create": 0, "update": 0, "delete": 0, "link_add": 0, "link_remove": 0, "link_update": 0}
        for workspace in self.workspaces:
            for change in workspace.changes:
                counts[change["action"]] += 1
            for link in workspace.links:
                counts["link_" + link["action"]] += 1
        counts["unmanaged"] = sum(len(w.unmanaged) for w in self.workspaces)
        counts["pending_prune"] = sum(len(w.pending_prune) for w in self.workspaces)
        return counts

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "shotkit-plan",
            "format_version": self.format_version,
            "owner": self.owner,
            "prune": self.prune,
            "has_changes": self.has_changes,
            "summary": self.summary(),
            "workspaces": [asdict(w) for w in self.workspaces],
        }

    @classmethod
    def from_json(cls, document: dict[str, Any], source: str = "plan") -> Plan:
        """A plan from a document that passed `planfile.check` (so every field is there)."""
        workspaces = [WorkspacePlan(**w) for w in document["workspaces"]]
        return cls(document["owner"], document["prune"], workspaces)


def save(plan: Plan, path: Path) -> None:
    planfile.save(plan.to_json(), path)


def load(path: Path) -> Plan:
    """A saved plan, checked (format, schema, digest) before anything reads a database."""
    document = planfile.read(path)
    return Plan.from_json(document, str(path))


def link_id(parent: str, child: str, relationship_type: str) -> str:
    return uuid5_text(f"link/{parent}/{child}/{relationship_type}")


# --- desired state --------------------------------------------------------------------------


def desired(
    workspace: Workspace,
) -> tuple[dict[str, dict[str, Any]], dict[tuple[str, str, str], dict[str, Any]], dict[str, str | None]]:
    """The rows the manifests declare: assets by id, links by (parent, child, type), and the
    shot each asset belongs to (for grouping a plan by shot)."""
    rows: dict[str, dict[str, Any]] = {}
    shot_of: dict[str, str | None] = {}
    for asset in workspace.assets.values():
        source: dict[str, Any] = {"file": asset.file, "order": asset.order}
        if asset.body_file:
            source["body_file"] = asset.body_file
        rows[asset.id] = {
            "id": asset.id,
            "workspace_id": workspace.name,
            "type": asset.type,
            "name": asset.name,
            "url": asset.url,
            "duration": asset.duration,
            "asset_metadata": asset.metadata,
            "manifest_key": asset.key,
            "source": source,
        }
        shot_of[asset.id] = asset.key.rsplit("#", 1)[0] if asset.type in ("shot", TAKE, VIDEO) else None
    links: dict[tuple[str, str, str], dict[str, Any]] = {}
    for link in workspace.links:
        parent = workspace.assets[link.parent].id
        child = workspace.assets[(link.child_type, link.child_key)].id
        links[(parent, child, link.type)] = {
            "workspace_id": workspace.name,
            "parent_asset_id": parent,
            "child_asset_id": child,
            "relationship_type": link.type,
            "sequence": link.sequence,
            "relationship_metadata": link.metadata,
        }
    return rows, links, shot_of


# --- the diff -------------------------------------------------------------------------------


def field_changes(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """Field-level differences, with dotted paths inside `asset_metadata`."""
    out: list[dict[str, Any]] = []
    for name in ASSET_FIELDS:
        if same(old[name], new[name]):
            continue
        if name == "asset_metadata":
            out.extend(_dict_changes("asset_metadata", old[name], new[name]))
        else:
            out.append({"field": name, "old": old[name], "new": new[name]})
    return out


def _dict_changes(prefix: str, old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for key in sorted(set(old) | set(new)):
        path = f"{prefix}.{key}"
        if isinstance(old.get(key), dict) and isinstance(new.get(key), dict):
            out.extend(_dict_changes(path, old[key], new[key]))
        elif key not in new:
            out.append({"field": path, "old": old[key], "removed": True})
        elif key not in old:
            out.append({"field": path, "new": new[key], "added": True})
        elif not same(old[key], new[key]):
            out.append({"field": path, "old": old[key], "new": new[key]})
    return out


def _label(row: dict[str, Any], shot_of: dict[str, str | None]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "type": row["type"],
        "key": row.get("manifest_key"),
        "name": row["name"],
        "shot": shot_of.get(row["id"]),
    }


def _file_left_rows_by_shot(shot_of: dict[str, str | None], state: State) -> None:
    """A shot, take or video that left the manifests is still grouped under its shot (by the key
    it was synced with), so that a pruned shot's rows and links are not shown as shared assets."""
    for asset_id, row in state.assets.items():
        if asset_id not in shot_of and row["type"] in ("shot", TAKE, VIDEO) and row["manifest_key"]:
            shot_of[asset_id] = row["manifest_key"].rsplit("#", 1)[0]


def diff(workspace: Workspace | None, state: State, owner: str, prune: bool) -> WorkspacePlan:
    wanted, wanted_links, shot_of = desired(workspace) if workspace else ({}, {}, {})
    _file_left_rows_by_shot(shot_of, state)
    plan = WorkspacePlan(state.workspace, state.fingerprint)
    conflicts: list[str] = []
    for asset_id, row in wanted.items():
        actual = state.assets.get(asset_id)
        if actual is None and asset_id in state.elsewhere:
            conflicts.append(
                f"{row['type']} '{row['manifest_key']}' adopts id {asset_id}, but that row belongs to workspace '{state.elsewhere[asset_id]}'"
            )
            continue
        if actual is None:
            plan.changes.append({"action": "create", **_label(row, shot_of), "row": {**row, "owner": owner}})
            continue
        if actual["type"] != row["type"]:
            conflicts.append(
                f"{row['type']} '{row['manifest_key']}' adopts id {asset_id}, but that row is a {actual['type']}"
            )
            continue
        if actual["owner"] not in (None, owner):
            conflicts.append(
                f"{row['type']} '{row['manifest_key']}' (id {asset_id}) is owned by '{actual['owner']}', not by this project ('{owner}')"
            )
            continue
        changes = field_changes(actual, row)
        if changes:
            plan.changes.append(
                {
                    "action": "update",
                    **_label(row, shot_of),
                    "fields": changes,
                    "row": {**row, "owner": actual["owner"]},
                }
            )
        elif actual["manifest_key"] != row["manifest_key"] or not same(actual["source"], row["source"]):
            plan.bookkeeping.append(
                {"id": asset_id, "manifest_key": row["manifest_key"], "source": row["source"]}
            )
    wanted_keys = {(r["type"], r["manifest_key"]) for r in wanted.values()}
    undeclared = [(i, row) for i, row in state.assets.items() if i not in wanted]
    for asset_id, actual in sorted(
        undeclared, key=lambda kv: (kv[1]["type"], kv[1]["manifest_key"] or "", kv[1]["name"], kv[0])
    ):
        label = _label(actual, shot_of)
        if actual["owner"] != owner:
            plan.unmanaged.append(label)
        elif prune:
            plan.changes.append({"action": "delete", **label, "row": {"id": asset_id}})
        else:
            plan.pending_prune.append(label)
        if actual["manifest_key"] is not None and (actual["type"], actual["manifest_key"]) in wanted_keys:
            # The key moved to another row (an `id:` was added): free it for the new owner.
            plan.bookkeeping.append({"id": asset_id, "manifest_key": None, "source": actual["source"]})
    if conflicts:
        raise ShotkitError(text_inline(f"workspace '{state.workspace}': " + "; ".join(conflicts)))
    _diff_links(plan, wanted, wanted_links, state, owner, shot_of)
    return plan


def _diff_links(
    plan: WorkspacePlan,
    wanted: dict[str, Any],
    wanted_links: dict[tuple[str, str, str], dict[str, Any]],
    state: State,
    owner: str,
    shot_of: dict[str, Any],
) -> None:
    names = {i: (r["type"], r["manifest_key"] or r["name"]) for i, r in {**state.assets, **wanted}.items()}

    def label(row: dict[str, Any]) -> dict[str, Any]:
        parent, child = row["parent_asset_id"], row["child_asset_id"]
        return {
            "type": row["relationship_type"],
            "parent": names.get(parent, ("?", parent)),
            "child": names.get(child, ("?", child)),
            "shot": shot_of.get(parent),
        }

    for ident, row in wanted_links.items():
        actual = state.links.get(ident)
        if actual is None:
            new = {**row, "id": link_id(*ident), "owner": owner}
            plan.links.append(
                {
                    "action": "add",
                    **label(row),
                    "sequence": row["sequence"],
                    "metadata": row["relationship_metadata"],
                    "row": new,
                }
            )
            continue
        fields = []
        if actual["sequence"] != row["sequence"]:
            fields.append({"field": "sequence", "old": actual["sequence"], "new": row["sequence"]})
        if not same(actual["relationship_metadata"], row["relationship_metadata"]):
            fields.append(
                {
                    "field": "relationship_metadata",
                    "old": actual["relationship_metadata"],
                    "new": row["relationship_metadata"],
                }
            )
        if fields:
            plan.links.append(
                {
                    "action": "update",
                    **label(row),
                    "fields": fields,
                    "row": {**row, "id": actual["id"], "owner": actual["owner"]},
                }
            )
    _stray_links(plan, wanted, wanted_links, state, owner, label)


def _stray_links(
    plan: WorkspacePlan,
    wanted: dict[str, Any],
    wanted_links: dict[tuple[str, str, str], dict[str, Any]],
    state: State,
    owner: str,
    label: Callable[[dict[str, Any]], dict[str, Any]],
) -> None:
    """Links the manifests no longer declare: those of a declared parent, and every link of a
    row the plan deletes. The database would drop the latter by ON DELETE CASCADE; the plan
    lists each one instead, and refuses to take a link this project does not own (one the
    AssetService made, say: a selected take) with it."""
    deleted = {c["id"] for c in plan.changes if c["action"] == "delete"}
    blocked: list[dict[str, Any]] = []
    for ident, actual in sorted(state.links.items(), key=lambda item: item[0]):
        goes = actual["parent_asset_id"] in deleted or actual["child_asset_id"] in deleted
        if ident in wanted_links or not (goes or actual["parent_asset_id"] in wanted):
            continue
        if actual["owner"] == owner:
            plan.links.append({"action": "remove", **label(actual), "row": {"id": actual["id"]}})
        elif goes:
            blocked.append(label(actual))
        else:
            shown = label(actual)
            plan.unmanaged.append(
                {
                    "id": actual["id"],
                    "type": "link:" + actual["relationship_type"],
                    "key": None,
                    "name": f"{shown['parent'][1]} -> {shown['child'][1]}",
                    "shot": shown["shot"],
                }
            )
    if blocked:
        named = ", ".join(
            f"{b['type']} {b['parent'][0]} '{b['parent'][1]}' -> {b['child'][0]} '{b['child'][1]}'"
            for b in blocked[:5]
        )
        more = f" and {len(blocked) - 5} more" if len(blocked) > 5 else ""
        raise PruneRefused(
            text_inline(
                f"refusing to prune in workspace '{state.workspace}': deleting the rows would also delete {len(blocked)} link(s) "
                f"made outside this project: {named}{more}. Run `shotkit export` to bring them into the manifests "
                "(the rows are then declared again), or remove those links first"
            )
        )


def compute(
    production: Production, states: dict[str, State], prune: bool, max_deletes: int | None = None
) -> Plan:
    owner = production.project.owner
    plans = [diff(production.workspaces.get(name), states[name], owner, prune) for name in sorted(states)]
    plan = Plan(owner, prune, plans)
    check_prune(plan, production, max_deletes)
    return plan


def check_prune(plan: Plan, production: Production | None, max_deletes: int | None) -> None:
    limit = DEFAULT_MAX_DELETES if max_deletes is None else max_deletes
    deletes = [c for w in plan.workspaces for c in w.changes if c["action"] == "delete"]
    for workspace in plan.workspaces:
        declared = production is None or (
            workspace.workspace in production.workspaces and production.workspaces[workspace.workspace].assets
        )
        if any(c["action"] == "delete" for c in workspace.changes) and not declared:
            raise PruneRefused(
                f"refusing to prune workspace '{workspace.workspace}': the manifests declare nothing for it, so every row this project owns there would be deleted"
            )
    if len(deletes) > limit:
        raise PruneRefused(
            f"refusing to prune {len(deletes)} row(s): over the limit of {limit}; review the plan and raise it with --max-deletes {len(deletes)}"
        )


def scope(production: Production) -> list[str]:
    """The workspaces a plan covers: those the manifests declare, and the project's default."""
    names = set(production.workspaces)
    if production.project.workspace:
        names.add(production.project.workspace)
    return sorted(names)


def claimed(production: Production) -> dict[str, list[str]]:
    """Per workspace, the ids its manifests adopt with `id:` (to find them in other workspaces)."""
    return {
        name: [a.id for a in w.assets.values() if a.adopted_id] for name, w in production.workspaces.items()
    }
