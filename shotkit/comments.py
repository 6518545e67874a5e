"""Comments through `fmt`: read where each comment sits, write it back beside the same data.

A comment on its own line belongs to the key or list item on the next line with content; a
comment at the end of a line belongs to that line's first key or item; comments after the
last line stay at the end. Paths go through list items by identity (`ref`, `attempt`), so a
comment stays with its take when canonical form puts takes in attempt order. A comment on a
key canonical form leaves out (`selected: false`, a derived `id:`) moves to the nearest key
that remains: no comment is ever dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from . import emit, yamlio
from .yamledit import identity, same

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TRAILING = re.compile(r"[\s:?,\-\[\]{}]*\s(#.*?)\s*$")


@dataclass
class Comments:
    before: dict[tuple[Any, ...], list[str]] = field(default_factory=dict)  # own-line comments, by path
    trailing: dict[tuple[Any, ...], list[str]] = field(default_factory=dict)
    footer: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.before or self.trailing or self.footer)

    def count(self) -> int:
        return sum(map(len, self.before.values())) + sum(map(len, self.trailing.values())) + len(self.footer)


def read(text: str, data: Any) -> Comments:
    """Every comment of `text` (whose parsed data is `data`), by the identity path it belongs to."""
    comments = Comments()
    if "#" not in text:
        return comments
    text = text.replace("\r\n", "\n")
    root = yaml.compose(text, Loader=_Loader)
    owners: dict[int, tuple[Any, ...]] = {}
    content: set[int] = set()
    ends: dict[int, int] = {}
    if root is not None:
        _walk(root, (), data, owners, content, ends)
    pending: list[str] = []
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    for number, line in enumerate(lines):
        stripped = line.strip()
        if number not in content:
            if stripped.startswith("#"):
                pending.append(stripped)
                continue
            if number in owners and pending:
                comments.before.setdefault(owners[number], []).extend(pending)
                pending = []
        if number in ends:
            match = _TRAILING.match(text, starts[number] + ends[number], starts[number] + len(line))
            if match:
                owner = owners.get(number) or _previous_owner(owners, number)
                comments.trailing.setdefault(owner, []).append(match.group(1))
    comments.footer = pending
    return comments


def _previous_owner(owners: dict[int, tuple[Any, ...]], number: int) -> tuple[Any, ...]:
    earlier = [n for n in owners if n < number]
    return owners[max(earlier)] if earlier else ()


def _step(data: Any, key: Any) -> tuple[Any, Any]:
    """The path element for `key` in `data` (an identity for link and take items), and the child."""
    if isinstance(data, list):
        item = data[key] if isinstance(key, int) and key < len(data) else None
        ident = identity(item)
        return (ident if ident[0] != "value" else key), item
    if isinstance(data, dict):
        return key, data.get(key)
    return key, None


def _walk(
    node: yaml.Node,
    path: tuple[Any, ...],
    data: Any,
    owners: dict[int, tuple[Any, ...]],
    content: set[Any],
    ends: dict[int, int],
) -> None:
    stack = [(node, path, data)]
    while stack:
        node, path, data = stack.pop()
        _note_end(node, ends)
        if isinstance(node, yaml.ScalarNode):
            content.update(
                range(
                    node.start_mark.line + 1,
                    node.end_mark.line + (0 if node.style in ("|", ">") and node.end_mark.column == 0 else 1),
                )
            )
            continue
        if isinstance(node, yaml.MappingNode):
            children = [
                (
                    k,
                    v,
                    yamlio.resolve_plain(k.value)
                    if isinstance(k, yaml.ScalarNode) and not k.style
                    else getattr(k, "value", None),
                )
                for k, v in node.value
            ]
            for key_node, value_node, key in reversed(children):
                step, child = _step(data, key)
                owners.setdefault(key_node.start_mark.line, path + (step,))
                _note_end(key_node, ends)
                stack.append((value_node, path + (step,), child))
        else:
            for index in reversed(range(len(node.value))):
                step, child = _step(data, index)
                owners.setdefault(node.value[index].start_mark.line, path + (step,))
                stack.append((node.value[index], path + (step,), child))


def _note_end(node: yaml.Node, ends: dict[int, int]) -> None:
    """The last character of content on each line (a trailing comment starts after it)."""
    if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
        ends[node.start_mark.line] = max(ends.get(node.start_mark.line, 0), node.start_mark.column + 1)
        return
    if isinstance(node, yaml.ScalarNode) or getattr(node, "flow_style", False):
        line, column = node.end_mark.line, node.end_mark.column
        ends[line] = max(ends.get(line, 0), column)


def dump(data: dict[str, Any], comments: Comments) -> str:
    """`data` in canonical layout (yamlio.dump) with `comments` beside the data they belong to."""
    if not comments:
        return yamlio.dump(data)
    lines = emit.lines(data)
    ident_lines = [(_identity_path(data, path), text) for path, text in lines]
    present = {path for path, _ in ident_lines}
    before: dict[tuple[Any, ...], list[str]] = {}
    trailing: dict[tuple[Any, ...], list[str]] = {}
    for path, found in comments.before.items():
        before.setdefault(_nearest(path, present), []).extend(found)
    for path, found in comments.trailing.items():
        target = _nearest(path, present)
        if target == path and target not in trailing:  # one trailing comment a line; others go above it
            trailing[target] = found[:1]
            found = found[1:]
        before.setdefault(target, []).extend(found)
    out: list[str] = []
    seen: set[tuple[Any, ...]] = set()
    for path, text in ident_lines:
        if path not in seen:
            seen.add(path)
            pad = " " * (len(text) - len(text.lstrip(" ")))
            out.extend(pad + c for c in before.get(path, []))
            if trailing.get(path):
                text += "  " + trailing[path][0]
        out.append(text)
    out.extend(comments.footer)
    return "\n".join(out) + "\n"


def _nearest(path: tuple[Any, ...], present: set[Any]) -> tuple[Any, ...]:
    while path and path not in present:
        path = path[:-1]
    return path if path in present else min(present, key=len, default=())


def _identity_path(data: Any, path: tuple[Any, ...]) -> tuple[Any, ...]:
    out = []
    for key in path:
        step, data = _step(data, key)
        out.append(step)
    return tuple(out)


def kept(text: str, data: dict[str, Any], comments: Comments) -> bool:
    """Does `text` hold `data` and every comment (checked by reading it again)?"""
    try:
        parsed = yamlio.parse(text)
    except yamlio.YamlFailure:
        return False
    return same(parsed, data) and read(text, parsed).count() == comments.count()
