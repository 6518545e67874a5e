"""Render the production graph as Mermaid or Graphviz DOT text.

`REPORTERS` maps each `graph --format` to its function, like the other kinds of output.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import networkx as nx


def _label(node: tuple[Any, ...]) -> str:
    asset = node[1:]
    return f"{asset[0]}: {asset[1]}"


def mermaid(graph: nx.MultiDiGraph) -> str:
    ids = {node: f"n{index}" for index, node in enumerate(sorted(graph.nodes))}
    lines = ["flowchart LR"]
    for node, ident in ids.items():
        lines.append(f'  {ident}["{_label(node).replace(chr(34), "#quot;")}"]')
    for u, v, rel in sorted(graph.edges(keys=True)):
        seq = graph.edges[u, v, rel]["link"].sequence
        text = rel if seq is None else f"{rel} {seq}"
        lines.append(f"  {ids[u]} -->|{text}| {ids[v]}")
    return "\n".join(lines)


def dot(graph: nx.MultiDiGraph) -> str:
    lines = ["digraph production {", "  rankdir=LR;"]
    for node in sorted(graph.nodes):
        lines.append(f"  {json.dumps('/'.join(node))} [label={json.dumps(_label(node))}];")
    for u, v, rel in sorted(graph.edges(keys=True)):
        lines.append(f"  {json.dumps('/'.join(u))} -> {json.dumps('/'.join(v))} [label={json.dumps(rel)}];")
    lines.append("}")
    return "\n".join(lines)


REPORTERS: dict[str, Callable[[nx.MultiDiGraph], str]] = {"mermaid": mermaid, "dot": dot}
