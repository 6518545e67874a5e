"""The canonical emitter of yamlio, line by line with the data path each line writes.

`lines(data)` gives the same text as `yamlio.dump(data)` (a test holds them equal), each line
with the path of the key or list item it starts, so `fmt` can put comments back beside the
lines they were written at, and `yamledit` can write new entries in the same layout.
Scalars are written by `yamlio.scalar`/`yamlio.quote`, the one place that escapes values.
"""

from __future__ import annotations

from typing import Any

from . import yamlio

Line = tuple[tuple[Any, ...], str]  # (path, text)


def key_text(key: Any, flow: bool = False) -> str:
    if not isinstance(key, str):
        return yamlio.quote(str(key))
    return yamlio.scalar(key, flow=flow)


def flow_value(value: Any) -> str:
    """One value in flow style (`{a: b}`, `[a, b]`); strings quoted unless plainly safe."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key_text(k, flow=True)}: {flow_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow_value(v) for v in value) + "]"
    return yamlio.scalar(value, flow=True)


def lines(data: dict[str, Any]) -> list[Line]:
    return _mapping(data, 0, ())


def block_value(head: str, value: Any, indent: int, flow_like: bool = False) -> list[str]:
    """`head` (a key with its colon, or a dash) and its value, as canonical lines."""
    if flow_like and isinstance(value, dict) and value:
        flow = flow_value(value)
        if "\n" not in flow and len(head) + 1 + len(flow) <= yamlio._FLOW_WIDTH:
            return [f"{head} {flow}"]
    return [text for _, text in _value(head, value, indent, ())]


def block_items(items: list[Any], indent: int) -> list[str]:
    return [text for _, text in _sequence(items, indent, (), 0)]


def _mapping(data: dict[str, Any], indent: int, path: tuple[Any, ...]) -> list[Line]:
    pad = " " * indent
    out: list[Line] = []
    for key, value in data.items():
        out.extend(_value(f"{pad}{key_text(key)}:", value, indent, path + (key,)))
    return out


def _value(head: str, value: Any, indent: int, path: tuple[Any, ...]) -> list[Line]:
    if isinstance(value, dict):
        if not value:
            return [(path, f"{head} {{}}")]
        return [(path, head)] + _mapping(value, indent + 2, path)
    if isinstance(value, list):
        flow = yamlio._flow_list(value)
        if flow is not None and len(head) + 1 + len(flow) <= yamlio._FLOW_WIDTH:
            return [(path, f"{head} {flow}")]
        return [(path, head)] + _sequence(value, indent + 2, path, 0)
    if isinstance(value, str) and yamlio._literal_ok(value):
        first, *rest = yamlio._literal(value, indent + 2)
        return [(path, f"{head} {first}")] + [(path, line) for line in rest]
    return [(path, f"{head} {yamlio.scalar(value)}")]


def _sequence(items: list[Any], indent: int, path: tuple[Any, ...], start: int) -> list[Line]:
    pad = " " * indent
    out: list[Line] = []
    for index, item in enumerate(items, start):
        if isinstance(item, dict) and item:
            inner = _mapping(item, indent + 2, path + (index,))
            first = inner[0][1]
            out.append((path + (index,), pad + "- " + first[indent + 2 :]))
            out.extend(inner[1:])
        else:
            out.extend(_value(pad + "-", item, indent, path + (index,)))
    return out
