"""The production as a networkx graph, and the checks that need the whole of it.

Nodes are `(workspace, type, key)`; each link is an edge keyed by its relationship type.
A cycle of assets needs a cycle of their types, so the graph the checks build holds only the
links whose relationship type lies on a cycle of the registry's type graph (`continues_from:
shot -> shot`, say): with the seed's types alone it is empty, and checking 10,000 shots does
not pay for 150,000 edges. `shotkit graph` draws the full graph.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import networkx as nx

from .model import Production, Workspace
from .problems import WARNING, Problem, did_you_mean


def cyclic_relationship_types(production: Production) -> set[str]:
    """Relationship types whose parent and child types sit on one cycle of the type graph:
    those whose child type reaches back to the parent type. The type graph has a handful of
    nodes, so a plain search does it without loading networkx (a tenth of a small validate)."""
    relationships = production.project.registry.relationship_types.values()
    children: dict[str, set[str]] = {}
    for rel in relationships:
        children.setdefault(rel.parent, set()).add(rel.child)
    return {rel.name for rel in relationships if _reaches(children, rel.child, rel.parent)}


def _reaches(children: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, todo = {start}, [start]
    while todo:
        node = todo.pop()
        if node == goal:
            return True
        for child in children.get(node, ()):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return False


def build_graph(production: Production, only: set[str] | None = None) -> nx.MultiDiGraph:
    """The production's graph; with `only`, just the links of those relationship types."""
    import networkx as nx  # here, not at the top: `validate` of the seed's types never needs it

    graph = nx.MultiDiGraph()
    for workspace in production.workspaces.values():
        links = [link for link in workspace.links if only is None or link.type in only]
        if only is None:
            graph.add_nodes_from(
                ((workspace.name, *ref), {"asset": asset}) for ref, asset in workspace.assets.items()
            )
        graph.add_edges_from(
            (
                (workspace.name, *link.parent),
                (workspace.name, link.child_type, link.child_key),
                link.type,
                {"link": link},
            )
            for link in links
            if link.parent in workspace.assets and (link.child_type, link.child_key) in workspace.assets
        )
    return graph


def check(production: Production) -> list[Problem]:
    """The checks across files: references resolve, links make no cycle, every asset only a
    link can use is used. (Checks within one entry, a shot's selected take for one, are the
    model's.)"""
    problems = _references(production)
    cyclic = cyclic_relationship_types(production)
    if cyclic:
        problems += _cycles(build_graph(production, only=cyclic))
    problems += _unused(production)
    return problems


def _references(production: Production) -> list[Problem]:
    registry = production.project.registry
    problems: list[Problem] = []
    suggest = _Suggestions()
    listed = {name: rel for name, rel in registry.relationship_types.items() if not rel.nested}
    for workspace in production.workspaces.values():
        assets = workspace.assets
        if all((kind, key) in assets for kind, keys in workspace.children.items() for key in keys):
            continue  # the common case: every listed link resolves, found without walking them
        by_key: dict[str, list[str]] | None = None  # built at the first broken reference only
        for link in workspace.links:
            rel = listed.get(link.type)
            if rel is None or link.parent[0] != rel.parent:
                continue  # takes and videos are right by construction; a wrong parent is reported
            child = (link.child_type, link.child_key)
            if child in assets or (workspace.name, *child) in production.invalid:
                continue
            if by_key is None:
                by_key = _types_by_key(workspace)
            others = [t for t in by_key.get(link.child_key, []) if t != link.child_type]
            if others:
                problems.append(
                    link.document.problem(
                        link.path,
                        f"'{link.child_key}' is of type {others[0]}, but {link.type} needs a {link.child_type}",
                    )
                )
            elif production.complete:
                hint = suggest(workspace, link.child_type, link.child_key)
                problems.append(
                    link.document.problem(
                        link.path,
                        f"unknown {link.child_type} '{link.child_key}' in workspace '{workspace.name}'{hint}",
                    )
                )
    return problems


def _types_by_key(workspace: Workspace) -> dict[str, list[str]]:
    by_key: dict[str, list[str]] = {}
    for asset_type, key in workspace.assets:
        by_key.setdefault(key, []).append(asset_type)
    return by_key


class _Suggestions:
    """ "did you mean" for unknown references: candidates listed once per workspace and type,
    and at most MAX_SUGGESTIONS lookups a run (each compares with every candidate), so a file
    with thousands of broken references stays fast."""

    def __init__(self) -> None:
        self._candidates: dict[tuple[str, str], list[str]] = {}
        self._left = MAX_SUGGESTIONS

    def __call__(self, workspace: Workspace, asset_type: str, key: str) -> str:
        if self._left <= 0:
            return ""
        self._left -= 1
        candidates = self._candidates.get((workspace.name, asset_type))
        if candidates is None:
            candidates = [k for (t, k) in workspace.assets if t == asset_type]
            self._candidates[(workspace.name, asset_type)] = candidates
        return did_you_mean(key, candidates)


MAX_SUGGESTIONS = 200


def _cycles(graph: nx.MultiDiGraph) -> list[Problem]:
    import networkx as nx

    problems: list[Problem] = []
    for component in nx.strongly_connected_components(graph):
        first = next(iter(component))
        if len(component) == 1 and not graph.has_edge(first, first):
            continue
        edges = nx.find_cycle(graph.subgraph(component), source=min(component))
        steps = [f"{u[1]} '{u[2]}' -[{rel}]->" for u, _v, rel in edges]
        path = " ".join(steps) + f" {edges[0][0][1]} '{edges[0][0][2]}'"
        link = graph.edges[edges[0]]["link"]
        problems.append(link.document.problem(link.path, f"cycle: {path}"))
    return problems


def _unused(production: Production) -> list[Problem]:
    """Assets of a type only a link can use (characters, audio, scripts...) that no link uses;
    a link's child is in its workspace's `children` (takes and videos are never linkable: they
    are declared inside their shot)."""
    problems: list[Problem] = []
    registry = production.project.registry
    linkable = {r.child for r in registry.relationship_types.values() if not r.nested} - {"shot"}
    for workspace in production.workspaces.values():
        children = workspace.children
        for ref in workspace.assets:  # the keys only: each asset is looked at only when unused
            if ref[0] in linkable and ref[1] not in children.get(ref[0], ()):
                asset = workspace.assets[ref]
                assert asset.document is not None
                problems.append(
                    asset.document.problem(
                        asset.path,
                        f"{asset.type} '{asset.key}' is not used by any shot or asset",
                        key=True,
                        severity=WARNING,
                    )
                )
    return problems
