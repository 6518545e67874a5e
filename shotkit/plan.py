"""The plan: what sync would change, as plain data (the diff of the model against the state).

A plan is computed per workspace. It holds full rows for what it writes, so a saved plan is
applied exactly as reviewed, and the fingerprint of the state it was computed against.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import planfile
from .errors import PruneRefused, ShotkitError
from .escape import text_inline
from .model import TAKE, VIDEO, Asset, Link, Production, Workspace, uuid5_text
from .operations import (
    AddLink,
    AssetOperation,
    Bookkeeping,
    CreateAsset,
    DeleteAsset,
    FieldChange,
    LinkOperation,
    RemoveLink,
    RowLabel,
    UpdateAsset,
    UpdateLink,
    asset_operation,
    link_operation,
    summary_key,
)
from .state import _MISSING, _SCALARS, ASSET_FIELDS, State, Summary, same

PLAN_FORMAT_VERSION = planfile.FORMAT_VERSION
DEFAULT_MAX_DELETES = 50


SUMMARY_KEYS = (
    "create",
    "update",
    "delete",
    "link_add",
    "link_remove",
    "link_update",
    "unmanaged",
    "pending_prune",
)


@dataclass
class WorkspacePlan:
    """One workspace's operations, and the fingerprint of the state they were computed from."""

    workspace: str
    fingerprint: str
    changes: list[AssetOperation] = field(default_factory=list)
    links: list[LinkOperation] = field(default_factory=list)
    bookkeeping: list[Bookkeeping] = field(default_factory=list)  # manifest key and source only
    unmanaged: list[RowLabel] = field(default_factory=list)  # rows of other tools: reported, kept
    pending_prune: list[RowLabel] = field(default_factory=list)  # owned rows that left the manifests

    @property
    def has_changes(self) -> bool:
        return bool(self.changes or self.links)

    @property
    def deletes(self) -> list[DeleteAsset]:
        return [change for change in self.changes if isinstance(change, DeleteAsset)]

    def summary(self) -> dict[str, int]:
        counts = dict.fromkeys(SUMMARY_KEYS, 0)
        for operation in (*self.changes, *self.links):
            counts[summary_key(operation)] += 1
        counts["unmanaged"] = len(self.unmanaged)
        counts["pending_prune"] = len(self.pending_prune)
        return counts

    def to_json(self) -> dict[str, Any]:
        return {
            "workspace": self.workspace,
            "fingerprint": self.fingerprint,
            "changes": [change.to_json() for change in self.changes],
            "links": [link.to_json() for link in self.links],
            "bookkeeping": [entry.to_json() for entry in self.bookkeeping],
            "unmanaged": [row.to_json() for row in self.unmanaged],
            "pending_prune": [row.to_json() for row in self.pending_prune],
        }

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> WorkspacePlan:
        return cls(
            item["workspace"],
            item["fingerprint"],
            [asset_operation(change) for change in item["changes"]],
            [link_operation(link) for link in item["links"]],
            [Bookkeeping.from_json(entry) for entry in item["bookkeeping"]],
            [RowLabel.from_json(row) for row in item["unmanaged"]],
            [RowLabel.from_json(row) for row in item["pending_prune"]],
        )


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
        counts = dict.fromkeys(SUMMARY_KEYS, 0)
        for workspace in self.workspaces:
            for name, count in workspace.summary().items():
                counts[name] += count
        return counts

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "shotkit-plan",
            "format_version": self.format_version,
            "owner": self.owner,
            "prune": self.prune,
            "has_changes": self.has_changes,
            "summary": self.summary(),
            "workspaces": [w.to_json() for w in self.workspaces],
        }

    @classmethod
    def from_json(cls, document: dict[str, Any], source: str = "plan") -> Plan:
        """A plan from a document that passed `planfile.check` (so every field is there)."""
        workspaces = [WorkspacePlan.from_json(w) for w in document["workspaces"]]
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

_SHOT_TYPES = frozenset({"shot", TAKE, VIDEO})


def desired(workspace: Workspace) -> tuple[dict[str, Asset], dict[tuple[str, str, str], Link]]:
    """What the manifests declare: assets by id, links by (parent, child, type). Rows are made
    only for what the plan writes (`asset_row`, `_link_row`): a no-op plan at 10,000 shots
    would otherwise build 111,500 row dicts (70 MB) only to find them equal."""
    wanted = {asset.id: asset for asset in workspace.assets.values()}
    id_of = {asset.ref: asset_id for asset_id, asset in wanted.items()}  # no property call per end
    links: dict[tuple[str, str, str], Link] = {}
    for link in workspace.links:
        links[(id_of[link.parent], id_of[(link.child_type, link.child_key)], link.type)] = link
    return wanted, links


def _source(asset: Asset) -> dict[str, Any]:
    source: dict[str, Any] = {"file": asset.file, "order": asset.order}
    if asset.body_file:
        source["body_file"] = asset.body_file
    return source


def asset_row(asset: Asset) -> dict[str, Any]:
    """The row a declared asset writes (without its owner)."""
    return {
        "id": asset.id,
        "workspace_id": asset.workspace,
        "type": asset.type,
        "name": asset.name,
        "url": asset.url,
        "duration": asset.duration,
        "asset_metadata": asset.metadata,
        "manifest_key": asset.key,
        "source": _source(asset),
    }


def _link_row(workspace: str, ident: tuple[str, str, str], link: Link) -> dict[str, Any]:
    """The row a declared link writes (without its id and owner)."""
    return {
        "workspace_id": workspace,
        "parent_asset_id": ident[0],
        "child_asset_id": ident[1],
        "relationship_type": ident[2],
        "sequence": link.sequence,
        "relationship_metadata": link.metadata,
    }


class Wanted:
    """What one workspace's manifests declare, indexed (by `desired`) once per plan; and, as a
    state.Matcher, which rows of the database are exactly that, so that reading the state keeps
    those as a summary (state.Summary) and the diff passes over them."""

    def __init__(self, workspace: Workspace | None, owner: str) -> None:
        self.workspace = workspace
        self.owner = owner
        self.assets, self.links = desired(workspace) if workspace else ({}, {})

    def asset(self, row: dict[str, Any]) -> bool:
        """No create, update, bookkeeping nor conflict for this row: the diff would skip it."""
        asset = self.assets.get(row["id"])
        return (
            asset is not None
            and row["type"] == asset.type
            and row["owner"] in (None, self.owner)
            and _unchanged(asset, row)
        )

    def link(self, ident: tuple[str, str, str], row: dict[str, Any]) -> bool:
        link = self.links.get(ident)
        return link is not None and _link_unchanged(link, row)


def _link_unchanged(link: Link, row: dict[str, Any]) -> bool:
    """Whether a declared link's row already holds its sequence and metadata (most do)."""
    if row["sequence"] != link.sequence:
        return False
    a, b = row["relationship_metadata"], link.metadata
    return (not a and not b and type(a) is type(b)) or same(a, b)


# --- the diff -------------------------------------------------------------------------------

Label = tuple[str, str, str | None, str, str | None]  # RowLabel's fields: id, type, key, name, shot
Ends = tuple[str, tuple[str, str], tuple[str, str], str | None]  # LinkLabel's: type, parent, child, shot


def field_changes(old: dict[str, Any], new: dict[str, Any]) -> list[FieldChange]:
    """Field-level differences, with dotted paths inside `asset_metadata`."""
    out: list[FieldChange] = []
    for name in ASSET_FIELDS:
        a, b = old[name], new[name]
        if (type(a) is type(b) and type(a) in _SCALARS and a == b) or same(a, b):
            continue  # the scalar columns are compared without a call: most rows do not change
        if name == "asset_metadata":
            out.extend(_dict_changes("asset_metadata", old[name], new[name]))
        else:
            out.append(FieldChange(name, old[name], new[name]))
    return out


def _dict_changes(prefix: str, old: dict[str, Any], new: dict[str, Any]) -> list[FieldChange]:
    out: list[FieldChange] = []
    for key in sorted(set(old) | set(new)):
        path = f"{prefix}.{key}"
        if isinstance(old.get(key), dict) and isinstance(new.get(key), dict):
            out.extend(_dict_changes(path, old[key], new[key]))
        elif key not in new:
            out.append(FieldChange(path, old=old[key], removed=True))
        elif key not in old:
            out.append(FieldChange(path, new=new[key], added=True))
        elif not same(old[key], new[key]):
            out.append(FieldChange(path, old[key], new[key]))
    return out


class _Shots:
    """The shot each row is grouped under in a plan: a shot, take or video declared in the
    manifests by its key; one that left them by the key it was synced with (so a pruned
    shot's rows and links are not shown as shared assets); any other row None. Looked up
    only for the rows a plan lists."""

    def __init__(self, wanted: dict[str, Asset], state: State) -> None:
        self.wanted, self.state = wanted, state

    def __call__(self, asset_id: str) -> str | None:
        asset = self.wanted.get(asset_id)
        if asset is not None:
            return asset.key.rsplit("#", 1)[0] if asset.type in _SHOT_TYPES else None
        row = self.state.assets.get(asset_id)
        if row is not None and row["type"] in _SHOT_TYPES and row["manifest_key"]:
            return row["manifest_key"].rsplit("#", 1)[0]  # type: ignore[no-any-return]
        return None


def _label(row: dict[str, Any], shot_of: _Shots) -> Label:
    return (row["id"], row["type"], row.get("manifest_key"), row["name"], shot_of(row["id"]))


def diff(workspace: Workspace | None, state: State, owner: str, prune: bool) -> WorkspacePlan:
    """The operations that make `state` what `workspace` declares (None: nothing declared).
    A state read with a matcher (a Wanted) is diffed against that same Wanted: its summarised
    rows are the ones it judged unchanged."""
    matched = state.matched
    if matched is not None:
        if not (isinstance(matched, Wanted) and matched.workspace is workspace and matched.owner == owner):
            raise RuntimeError(f"workspace {state.workspace!r} was read against other manifests")
        declared = matched
    else:
        declared = Wanted(workspace, owner)
    wanted, wanted_links = declared.assets, declared.links
    shot_of = _Shots(wanted, state)
    plan = WorkspacePlan(state.workspace, state.fingerprint)
    conflicts = _diff_declared(plan, wanted, state, owner, shot_of)
    _diff_undeclared(plan, wanted, state, owner, prune, shot_of)
    if conflicts:
        raise ShotkitError(text_inline(f"workspace '{state.workspace}': " + "; ".join(conflicts)))
    _diff_links(plan, wanted, wanted_links, state, owner, shot_of)
    return plan


def _conflict(asset: Asset, actual: dict[str, Any] | None, state: State, owner: str) -> str | None:
    """Why a declared row cannot be written over the row with its id, if it cannot."""
    what, asset_id = f"{asset.type} '{asset.key}'", asset.id
    if actual is None:
        if asset_id in state.elsewhere:
            return f"{what} adopts id {asset_id}, but that row belongs to workspace '{state.elsewhere[asset_id]}'"
        return None
    if actual["type"] != asset.type:
        return f"{what} adopts id {asset_id}, but that row is a {actual['type']}"
    if actual["owner"] not in (None, owner):
        return f"{what} (id {asset_id}) is owned by '{actual['owner']}', not by this project ('{owner}')"
    return None


def _unchanged(asset: Asset, actual: dict[str, Any]) -> bool:
    """Whether the row is already what the asset declares, bookkeeping included: decided on
    the asset's own fields, without making its row (most rows of most plans). As strict as
    `same`: the text columns hold text or NULL on both sides, so == is exact there; a number
    must also have the same type (2 is not 2.0, true is not 1)."""
    duration, source = actual["duration"], actual["source"]
    if not (
        actual["name"] == asset.name
        and actual["url"] == asset.url
        and actual["manifest_key"] == asset.key
        and (duration is None if asset.duration is None else type(duration) is type(asset.duration))
        and duration == asset.duration
        and type(source) is dict
        and len(source) == (3 if asset.body_file else 2)
        and source.get("file", _MISSING) == asset.file
        and type(order := source.get("order")) is int
        and order == asset.order
        and (not asset.body_file or source.get("body_file") == asset.body_file)
    ):
        return False
    return same(actual["asset_metadata"], asset.metadata)


def _diff_declared(
    plan: WorkspacePlan, wanted: dict[str, Asset], state: State, owner: str, shot_of: _Shots
) -> list[str]:
    """Creates, updates and bookkeeping for the rows the manifests declare; the conflicts."""
    conflicts: list[str] = []
    actual_rows = state.assets
    for asset_id, asset in wanted.items():
        actual = actual_rows.get(asset_id)
        if type(actual) is Summary:
            continue  # judged unchanged by Wanted.asset as it was read
        if actual is not None and actual["type"] == asset.type and actual["owner"] in (None, owner):
            if _unchanged(asset, actual):
                continue  # most rows: decided without a row, a call or a conflict check
        elif conflict := _conflict(asset, actual, state, owner):
            conflicts.append(conflict)
            continue
        row = asset_row(asset)
        if actual is None:
            row["owner"] = owner
            plan.changes.append(CreateAsset(*_label(row, shot_of), row))
        elif changes := field_changes(actual, row):
            row["owner"] = actual["owner"]
            plan.changes.append(UpdateAsset(*_label(row, shot_of), tuple(changes), row))
        elif actual["manifest_key"] != row["manifest_key"] or not same(actual["source"], row["source"]):
            plan.bookkeeping.append(Bookkeeping(asset_id, row["manifest_key"], row["source"]))
    return conflicts


def _diff_undeclared(
    plan: WorkspacePlan,
    wanted: dict[str, Asset],
    state: State,
    owner: str,
    prune: bool,
    shot_of: _Shots,
) -> None:
    """Rows the manifests do not declare: another tool's are kept, this project's are deleted
    with `--prune` and pending without it."""
    # By key-set difference: a no-op plan has no undeclared row and builds nothing more.
    undeclared = [(i, state.assets[i]) for i in state.assets.keys() - wanted.keys()]
    if not undeclared:
        return
    wanted_keys = {asset.ref for asset in wanted.values()}
    for asset_id, actual in sorted(
        undeclared, key=lambda kv: (kv[1]["type"], kv[1]["manifest_key"] or "", kv[1]["name"], kv[0])
    ):
        label = _label(actual, shot_of)
        if actual["owner"] != owner:
            plan.unmanaged.append(RowLabel(*label))
        elif prune:
            plan.changes.append(DeleteAsset(*label))
        else:
            plan.pending_prune.append(RowLabel(*label))
        if actual["manifest_key"] is not None and (actual["type"], actual["manifest_key"]) in wanted_keys:
            # The key moved to another row (an `id:` was added): free it for the new owner.
            plan.bookkeeping.append(Bookkeeping(asset_id, None, actual["source"]))


class _Links:
    """The link operations of one workspace: declared links added or updated, then the links
    the manifests no longer declare removed (or kept, or refused: see `strays`)."""

    def __init__(
        self,
        plan: WorkspacePlan,
        wanted: dict[str, Asset],
        state: State,
        owner: str,
        shot_of: _Shots,
    ) -> None:
        self.plan, self.wanted, self.state, self.owner, self.shot_of = plan, wanted, state, owner, shot_of

    def name(self, asset_id: str) -> tuple[str, str]:
        """An end's (type, key or name), looked up only for a link the plan shows: the
        declared row's, else the database's."""
        asset = self.wanted.get(asset_id)
        if asset is not None:
            return (asset.type, asset.key)
        row = self.state.assets.get(asset_id)
        return ("?", asset_id) if row is None else (row["type"], row["manifest_key"] or row["name"])

    def label(self, row: dict[str, Any]) -> Ends:
        parent, child = row["parent_asset_id"], row["child_asset_id"]
        return (row["relationship_type"], self.name(parent), self.name(child), self.shot_of(parent))

    def declared(
        self, ident: tuple[str, str, str], row: dict[str, Any], actual: dict[str, Any] | None
    ) -> LinkOperation | None:
        if actual is None:
            row["id"], row["owner"] = link_id(*ident), self.owner  # desired()'s row, not a copy
            return AddLink(*self.label(row), row["sequence"], row["relationship_metadata"], row)
        fields = []
        if actual["sequence"] != row["sequence"]:
            fields.append(FieldChange("sequence", actual["sequence"], row["sequence"]))
        if not same(actual["relationship_metadata"], row["relationship_metadata"]):
            fields.append(
                FieldChange(
                    "relationship_metadata", actual["relationship_metadata"], row["relationship_metadata"]
                )
            )
        if not fields:
            return None
        written = {**row, "id": actual["id"], "owner": actual["owner"]}
        return UpdateLink(*self.label(row), tuple(fields), written)

    def strays(self, wanted_links: dict[tuple[str, str, str], Link], found: int) -> list[Ends]:
        """Links the manifests no longer declare: those of a declared parent, and every link of
        a row the plan deletes. The database would drop the latter by ON DELETE CASCADE; the
        plan lists each one instead, and returns those this project does not own (one the
        AssetService made, say: a selected take), which a delete may not take with it."""
        blocked: list[Ends] = []
        if found == len(self.state.links):
            return blocked  # every link in the database is declared (`found` of them were)
        deleted = {change.id for change in self.plan.deletes}
        # Only the links that go are sorted (in the order of their idents), not every link.
        links = self.state.links
        strays = [
            (ident, actual, actual["parent_asset_id"] in deleted or actual["child_asset_id"] in deleted)
            for ident in links.keys() - wanted_links.keys()
            for actual in (links[ident],)
        ]
        strays.sort(key=lambda item: item[0])
        for _, actual, goes in strays:
            if not (goes or actual["parent_asset_id"] in self.wanted):
                continue
            label = self.label(actual)
            if actual["owner"] == self.owner:
                self.plan.links.append(RemoveLink(*label, actual["id"]))
            elif goes:
                blocked.append(label)
            else:
                name = f"{label[1][1]} -> {label[2][1]}"
                self.plan.unmanaged.append(RowLabel(actual["id"], "link:" + label[0], None, name, label[3]))
        return blocked


def _diff_links(
    plan: WorkspacePlan,
    wanted: dict[str, Asset],
    wanted_links: dict[tuple[str, str, str], Link],
    state: State,
    owner: str,
    shot_of: _Shots,
) -> None:
    links = _Links(plan, wanted, state, owner, shot_of)
    actual_links, found = state.links, 0
    for ident, link in wanted_links.items():
        actual = actual_links.get(ident)
        if actual is not None:
            found += 1
            if type(actual) is Summary or _link_unchanged(link, actual):
                continue  # a Summary: judged unchanged by Wanted.link as it was read
        operation = links.declared(ident, _link_row(state.workspace, ident, link), actual)
        if operation is not None:
            plan.links.append(operation)
    blocked = links.strays(wanted_links, found)
    if blocked:
        raise PruneRefused(text_inline(_blocked_message(state.workspace, blocked)))


def _blocked_message(workspace: str, blocked: list[Ends]) -> str:
    named = ", ".join(
        f"{kind} {parent[0]} '{parent[1]}' -> {child[0]} '{child[1]}'"
        for kind, parent, child, _ in blocked[:5]
    )
    more = f" and {len(blocked) - 5} more" if len(blocked) > 5 else ""
    return (
        f"refusing to prune in workspace '{workspace}': deleting the rows would also delete {len(blocked)} link(s) "
        f"made outside this project: {named}{more}. Run `shotkit export` to bring them into the manifests "
        "(the rows are then declared again), or remove those links first"
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
    deletes = [change for w in plan.workspaces for change in w.deletes]
    for workspace in plan.workspaces:
        declared = production is None or (
            workspace.workspace in production.workspaces and production.workspaces[workspace.workspace].assets
        )
        if workspace.deletes and not declared:
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
