"""All of shotkit's YAML, in one module.

Reading has two paths:

* the fast path parses with `yaml_rs` (a Rust YAML 1.2 parser that rejects duplicate keys and
  bounds alias expansion). Valid manifests only ever take this path.
* the slow path composes the text with PyYAML to get a line and column for every node. It runs
  only for a file that has something to report (a problem found by any later stage, or a
  parse error without a position), or when a cheap scan of the raw text sees a hazard that
  only the node tree can confirm (a plain scalar like `03`, or very deep indentation).

Scalars follow YAML 1.2's core schema: `NO`, `on`, `1:20` and `2024-01-01` stay the text
written. A plain integer with a leading zero (`03`, `0755`) is the one YAML 1.1 surprise that
YAML 1.2 still turns into a number, so it is rejected with a hint to quote it.

Writing (`dump`) is a small emitter of the canonical form, so that the bytes `fmt` and
`export` write depend only on the data.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
import yaml_rs

MAX_DEPTH = 100
MAX_ALIAS_EVENTS = 10_000
_ALIAS_LIMITS = yaml_rs.AliasLimits(max_total_replayed_events=MAX_ALIAS_EVENTS, max_replay_stack_depth=16)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)



@dataclass(frozen=True)
class Issue:
    """A problem found in YAML text, at a 1-based line and column."""

    line: int
    column: int
    message: str


class YamlFailure(Exception):
    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__(issues[0].message if issues else "invalid YAML")


# --- reading -------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_NOT_CONTROL = bytes(b for b in range(256) if not ((b < 0x20 and b not in (0x09, 0x0A, 0x0D)) or b == 0x7F))
# Cheap triggers for the slow path (substring searches run at memory speed; a regular
# expression over a large file does not). False positives only cost time, never a wrong answer.
_ZERO_DIGIT = re.compile(r"0[0-9]")  # a literal first character: re scans for it at memory speed
_NOT_A_TOKEN_START = frozenset("_.:/+-\"'")
_DEEP_INDENT = "\n" + " " * MAX_DEPTH
_YAML_RS_POSITION = re.compile(r"at line (\d+), column (\d+)")


def _maybe_leading_zero(text: str) -> bool:
    """Could a plain scalar start with a zero and another digit (`03`, `-0755`)?"""
    for match in _ZERO_DIGIT.finditer(text):
        at = match.start()
        before = text[at - 1] if at else "\n"
        if not (before.isalnum() or before in _NOT_A_TOKEN_START):
            return True
    for sign in ("-0", "+0"):
        at = text.find(sign)
        while at != -1:
            if text[at + 2 : at + 3].isdigit() and (at == 0 or text[at - 1] in " [,{\t\n?"):
                return True
            at = text.find(sign, at + 2)
    return False


def decode(raw: bytes) -> str:
    """Bytes to text: UTF-8 only, no control characters. Raises YamlFailure with a position."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line, col = _offset_to_position(raw, err.start, b"\n")
        raise YamlFailure([Issue(line, col, f"not valid UTF-8 (byte 0x{raw[err.start]:02x}); save the file as UTF-8")]) from None
    # bytes.translate finds control bytes at memory speed; the regex only runs to locate one
    if raw.translate(None, _NOT_CONTROL) or "\ufffe" in text or "\uffff" in text:
        bad = _CONTROL.search(text)
        if bad:
            line, col = _offset_to_position(text, bad.start(), "\n")
            raise YamlFailure([Issue(line, col, f"control character U+{ord(bad.group()):04X} is not allowed in YAML; write it as an escape in a double-quoted string")])
    return text


def _offset_to_position(buf: Any, offset: int, newline: Any) -> tuple[int, int]:
    line = buf.count(newline, 0, offset) + 1
    start = buf.rfind(newline, 0, offset) + 1
    return line, offset - start + 1


def parse(text: str) -> Any:
    """Parse one YAML document. Returns the data; raises YamlFailure with located issues."""
    try:
        data = yaml_rs.loads(text, parse_datetime=False, alias_limits=_ALIAS_LIMITS)
    except yaml_rs.YAMLDecodeError as err:
        raise YamlFailure(_explain_failure(text, str(err))) from None
    except RecursionError:
        raise YamlFailure([Issue(1, 1, f"nesting is deeper than {MAX_DEPTH} levels")]) from None
    except TypeError:  # yaml-rs cannot build a mapping keyed by a mapping or a list (`? {a: b}`)
        raise YamlFailure([_complex_key(text)]) from None
    if isinstance(data, list) and _document_count(text) > 1:
        raise YamlFailure([Issue(1, 1, "a manifest holds one YAML document; split the `---` documents into files")])
    if _maybe_leading_zero(text) or _DEEP_INDENT in text:
        issues = NodeTree(text).hazards
        if issues:
            raise YamlFailure(issues)
    return data


def _complex_key(text: str) -> Issue:
    message = "a key must be a plain value, not a mapping or a list"
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return Issue(1, 1, message)
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if not isinstance(key, yaml.ScalarNode):
                    return Issue(key.start_mark.line + 1, key.start_mark.column + 1, message)
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return Issue(1, 1, message)


def _document_count(text: str) -> int:
    try:
        return sum(1 for _ in yaml.compose_all(text, Loader=_Loader))
    except yaml.YAMLError:
        return 1


def _explain_failure(text: str, message: str) -> list[Issue]:
    if "alias replay limit" in message or "replay stack" in message:
        return [Issue(1, 1, f"aliases expand past the limit of {MAX_ALIAS_EVENTS} nodes (a 'billion laughs' file?)")]
    if "recursion limit" in message:
        where = _YAML_RS_POSITION.search(message)
        line, col = (int(where.group(1)), int(where.group(2))) if where else (1, 1)
        return [Issue(line, col, f"nesting is too deep (the limit is {MAX_DEPTH} levels)")]
    where = _YAML_RS_POSITION.search(message)
    if where:
        reason = message.strip().splitlines()[-1].strip()
        return [Issue(int(where.group(1)), int(where.group(2)), f"YAML syntax error: {reason}")]
    # No position in the message (duplicate keys, for one): the node tree has it.
    tree = NodeTree(text)
    if tree.hazards:
        return tree.hazards
    return [Issue(1, 1, f"YAML error: {message.strip().splitlines()[0]}")]


_INT = re.compile(r"[-+]?[0-9]+$|0o[0-7]+$|0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$|[-+]?\.(inf|Inf|INF)$|\.(nan|NaN|NAN)$")
_LEADING_ZERO = re.compile(r"[-+]?0[0-9_]+$")


def resolve_plain(value: str) -> Any:
    """A plain scalar as YAML 1.2's core schema reads it (used for keys in paths)."""
    if value in ("", "~", "null", "Null", "NULL"):
        return None
    if value in ("true", "True", "TRUE"):
        return True
    if value in ("false", "False", "FALSE"):
        return False
    if _INT.match(value):
        return int(value, 0) if value[:2] in ("0o", "0x") else int(value)
    if _FLOAT.match(value):
        special = value.lstrip("+-").lower() in (".inf", ".nan")
        return float(value.replace(".", "", 1) if special else value)
    return value


@dataclass
class NodeTree:
    """PyYAML's node tree of a text: positions of every key and value, and the hazards found.

    Built only on the slow path (see the module docstring)."""

    text: str
    values: dict = field(default_factory=dict)
    keys: dict = field(default_factory=dict)
    hazards: list = field(default_factory=list)

    def __post_init__(self) -> None:
        try:
            root = yaml.compose(self.text, Loader=_Loader)
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark or err.context_mark
            line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            reason = " ".join(x for x in (err.context, err.problem) if x)
            self.hazards.append(Issue(line, col, f"YAML syntax error: {reason}"))
            return
        except (yaml.YAMLError, RecursionError) as err:
            self.hazards.append(Issue(1, 1, f"YAML error: {err}"))
            return
        if root is not None:
            self._walk(root)

    def _walk(self, root: yaml.Node) -> None:
        seen: set[int] = set()
        stack: list[tuple[yaml.Node, tuple, int]] = [(root, (), 0)]
        while stack:
            node, path, depth = stack.pop()
            self.values.setdefault(path, node.start_mark)
            if id(node) in seen:
                continue  # an alias: its target was walked once already
            seen.add(id(node))
            if depth > MAX_DEPTH:
                self.hazards.append(Issue(node.start_mark.line + 1, node.start_mark.column + 1, f"nesting is deeper than {MAX_DEPTH} levels"))
                return
            if isinstance(node, yaml.MappingNode):
                first: dict = {}
                for key_node, value_node in node.value:
                    key = _scalar_key(key_node)
                    mark = key_node.start_mark
                    if key in first:
                        line, col = first[key]
                        self.hazards.append(Issue(mark.line + 1, mark.column + 1, f"duplicate key {_show(key)} (first defined at line {line}, column {col})"))
                        continue
                    first[key] = (mark.line + 1, mark.column + 1)
                    self.keys[path + (key,)] = mark
                    self._check_scalar(key_node)
                    stack.append((value_node, path + (key,), depth + 1))
            elif isinstance(node, yaml.SequenceNode):
                for index, item in enumerate(node.value):
                    stack.append((item, path + (index,), depth + 1))
            else:
                self._check_scalar(node)

    def _check_scalar(self, node: yaml.Node) -> None:
        if isinstance(node, yaml.ScalarNode) and not node.style and node.tag in _IMPLICIT_TAGS and _LEADING_ZERO.match(node.value):
            mark = node.start_mark
            written = node.value
            self.hazards.append(Issue(mark.line + 1, mark.column + 1, f"`{written}` is ambiguous (YAML 1.1 reads it as octal or text, YAML 1.2 as {int(written.replace('_', ''))}): quote it as \"{written}\" if it is text, or drop the leading zero"))

    def position(self, path: tuple, key: bool = False) -> tuple[int, int]:
        """Line and column of the value at `path` (or of its key), else of its nearest ancestor."""
        if key and path in self.keys:
            mark = self.keys[path]
            return mark.line + 1, mark.column + 1
        path = tuple(path)
        while path not in self.values and path:
            path = path[:-1]
        mark = self.values.get(path)
        return (mark.line + 1, mark.column + 1) if mark else (1, 1)


_IMPLICIT_TAGS = {
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:timestamp",
}


def _scalar_key(node: yaml.Node) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        return f"<{node.id} at line {node.start_mark.line + 1}>"
    if not node.style and node.tag in _IMPLICIT_TAGS | {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"}:
        return resolve_plain(node.value)
    return node.value


def _show(key: Any) -> str:
    return f"'{key}'" if isinstance(key, str) else repr(key)


# --- writing -------------------------------------------------------------------------------

_RESERVED = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", ""}
_PLAIN = re.compile(r"[^\W\d_][^\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]*")
_FLOW_SAFE = re.compile(r"[^\W\d_][\w .\-/]*")  # inside [a, b]: conservative, every parser agrees
_FLOW_WIDTH = 100


_UNPRINTABLE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")


def quote(value: str) -> str:
    """A double-quoted scalar; JSON's escapes are YAML's, plus the characters YAML forbids raw."""
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(value, ensure_ascii=False))


def scalar(value: Any, flow: bool = False) -> str:
    """One scalar in canonical form; strings are plain only where no YAML reads them otherwise."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        mantissa, e, exponent = text.partition("e")
        return f"{mantissa}.0e{exponent}" if e and "." not in mantissa else text  # YAML 1.1 wants the dot
    text = str(value)
    if _plain_ok(text) and (not flow or _FLOW_SAFE.fullmatch(text)):
        return text
    return quote(text)


def _plain_ok(text: str) -> bool:
    return (
        _PLAIN.fullmatch(text) is not None
        and text.lower() not in _RESERVED
        and not text.endswith((" ", ":"))
        and ": " not in text
        and " #" not in text
        and "\n" not in text
    )


def _literal_ok(text: str) -> bool:
    if "\n" not in text or text[0] in " \n" or "\r" in text or "\t" in text:
        return False
    if _CONTROL.search(text) or _UNPRINTABLE.search(text):
        return False
    return all(line == "" or not line.isspace() for line in text.split("\n"))


def _literal(text: str, indent: int) -> list[str]:
    body = text.rstrip("\n")
    trailing = len(text) - len(body)
    chomp = "-" if trailing == 0 else ("" if trailing == 1 else "+")
    pad = " " * indent
    lines = [f"|{chomp}"]
    lines += [(pad + line) if line else "" for line in body.split("\n")]
    lines += [""] * (trailing - 1 if trailing > 1 else 0)
    return lines


def dump(data: dict) -> str:
    """The canonical YAML text of a mapping (keys in the order given)."""
    return "\n".join(_mapping(data, 0)) + "\n"


def _key(key: Any) -> str:
    return scalar(key) if isinstance(key, str) else quote(str(key))


def _mapping(data: dict, indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    for key, value in data.items():
        head = f"{pad}{_key(key)}:"
        out.extend(_value(head, value, indent))
    return out


def _value(head: str, value: Any, indent: int) -> list[str]:
    if isinstance(value, dict):
        if not value:
            return [f"{head} {{}}"]
        return [head] + _mapping(value, indent + 2)
    if isinstance(value, list):
        flow = _flow_list(value)
        if flow is not None and len(head) + 1 + len(flow) <= _FLOW_WIDTH:
            return [f"{head} {flow}"]
        return [head] + _sequence(value, indent + 2)
    if isinstance(value, str) and _literal_ok(value):
        first, *rest = _literal(value, indent + 2)
        return [f"{head} {first}"] + rest
    return [f"{head} {scalar(value)}"]


def _flow_list(items: list) -> str | None:
    if any(isinstance(i, (dict, list)) or (isinstance(i, str) and "\n" in i) for i in items):
        return None
    return "[" + ", ".join(scalar(i, flow=True) for i in items) + "]"


def _sequence(items: list, indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    for item in items:
        if isinstance(item, dict) and item:
            lines = _mapping(item, indent + 2)
            out.append(pad + "- " + lines[0][indent + 2 :])
            out.extend(lines[1:])
        else:
            lines = _value(pad + "-", item, indent)
            out.extend(lines)
    return out
