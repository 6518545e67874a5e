"""yamledit on its own: hostile values in every scalar style, and the text it keeps."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shotkit import yamledit, yamlio
from shotkit.emit import lines

HOSTILE = [
    "it's",
    'say "hi"',
    "a # not a comment",
    "key: value",
    "line\nbreak",
    "trailing\n",
    "  padded  ",
    "*alias",
    "&anchor",
    "!tag",
    "%directive",
    "@at",
    "`tick",
    "- dash",
    "? question",
    "[x]",
    "{y}",
    ",",
    "|",
    ">",
    "yes",
    "No",
    "null",
    "~",
    "true",
    "0755",
    "03",
    "1e3",
    ".inf",
    "2024-01-01",
    "1:20",
    "",
    "héllo wörld ✓",
    "\u2028sep",
    "tab\there",
    "\\back",
    "end:",
    "x #",
    "#start",
    "\u00a0nbsp",
    "a\r\nb",
]

TEXT = """\
# header comment
shotkit: 1
workspace: w   # trailing

characters:
  # own-line comment
  plain: {name: Plain, description: plain words}   # flow entry
  single:
    name: 'single quoted'
    description: "double quoted"
  literal:
    name: Literal
    description: |
      first line
      second line

shots:
  s1:
    name: Shot   # keep me
    characters: [plain, single]
    audio:
      - a1   # bottom
      - {ref: a2, volume: 0.5}
"""


def untouched(old: str, new: str, changed_line: int) -> None:
    """Every line but the changed one (and any lines a block value took) is as it was."""
    a, b = old.split("\n"), new.split("\n")
    assert a[:changed_line] == b[:changed_line]
    tail = len(a) - changed_line - 1
    assert a[-tail:] == b[-tail:] if tail else True


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize(
    "path,line",
    [
        (("characters", "plain", "description"), 6),
        (("characters", "single", "name"), 8),
        (("characters", "single", "description"), 9),
        (("shots", "s1", "name"), 18),
    ],
)
def test_hostile_values_round_trip_in_every_style(value: str, path: tuple, line: int) -> None:
    data = yamlio.parse(TEXT)
    new = copy.deepcopy(data)
    new[path[0]][path[1]][path[2]] = value
    out = yamledit.update(TEXT, new)
    assert yamledit.same(yamlio.parse(out), new)
    untouched(TEXT, out, line)
    if "\n" not in value and "\r" not in value:
        assert len(out.split("\n")) == len(TEXT.split("\n"))  # one line for one line


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_in_a_block_literal_and_a_flow_list(value: str) -> None:
    data = yamlio.parse(TEXT)
    new = copy.deepcopy(data)
    new["characters"]["literal"]["description"] = value
    new["shots"]["s1"]["characters"] = ["plain", value]
    out = yamledit.update(TEXT, new)
    assert yamledit.same(yamlio.parse(out), new)
    assert "# own-line comment" in out and "- a1   # bottom" in out


def test_crlf_is_kept() -> None:
    text = TEXT.replace("\n", "\r\n")
    new = yamlio.parse(text)
    new["shots"]["s1"]["name"] = "Other"
    out = yamledit.update(text, new)
    assert out == text.replace("name: Shot   # keep me", "name: Other   # keep me")


def test_a_wrong_edit_falls_back_to_the_entry_never_the_file() -> None:
    text = "shotkit: 1\nshots:\n  s1: {name: A}  # one\n  s2:\n    name: B  # two\n"
    new = {"shotkit": 1, "shots": {"s1": {"name": "A"}, "s2": {"name": "C"}}}
    walk_edits = []

    class Broken(yamledit._Walk):  # an engine bug: writes a wrong value
        def add(self, start: int, end: int, text: str, path: tuple) -> None:
            walk_edits.append(path)
            super().add(start, end, "Wrong" if text == "C" else text, path)

    original, yamledit._Walk = yamledit._Walk, Broken
    try:
        out = yamledit.update(text, new)
    finally:
        yamledit._Walk = original
    assert walk_edits and out == "shotkit: 1\nshots:\n  s1: {name: A}  # one\n  s2:\n    name: C\n"


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(min_size=1, max_size=8), children, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(
    old=st.dictionaries(st.from_regex(r"[a-z]{1,6}", fullmatch=True), json_values, min_size=1, max_size=5),
    new=st.dictionaries(st.from_regex(r"[a-z]{1,6}", fullmatch=True), json_values, min_size=1, max_size=5),
)
def test_any_data_edits_into_any_data(old: dict, new: dict) -> None:
    text = yamlio.dump({"shotkit": 1, **old})
    want = {"shotkit": 1, **new}
    assert yamledit.same(yamlio.parse(yamledit.update(text, want)), want)


@settings(max_examples=200, deadline=None)
@given(data=st.dictionaries(st.text(min_size=1, max_size=8), json_values, max_size=5))
def test_the_line_emitter_writes_what_yamlio_dump_writes(data: dict) -> None:
    assert "\n".join(text for _, text in lines(data)) + "\n" == yamlio.dump(data)


def test_an_anchor_used_elsewhere_falls_back_to_its_section() -> None:
    text = "shotkit: 1\ncharacters:\n  a: &x {name: A}  # c\n  b: *x\naudio: {}  # kept\n"
    new = yamlio.parse(text)
    new["characters"]["a"] = {"name": "Z"}
    out = yamledit.update(text, new)
    assert out == "shotkit: 1\ncharacters:\n  a:\n    name: Z\n  b:\n    name: A\naudio: {}  # kept\n"


def test_a_file_without_a_final_newline_keeps_it_so() -> None:
    text = "shotkit: 1\ncharacters:\n  a: {name: A}"
    new = yamlio.parse(text)
    new["characters"]["b"] = {"name": "B"}
    assert yamledit.update(text, new) == "shotkit: 1\ncharacters:\n  a: {name: A}\n  b: {name: B}"


def test_a_new_entry_is_indented_like_its_siblings() -> None:
    text = "shotkit: 1\ncharacters:\n    a:\n        name: A\n"
    new = yamlio.parse(text)
    new["characters"]["b"] = {"name": "B", "metadata": {"x": [1, 2], "w": {"z": True}}}
    assert (
        yamledit.update(text, new)
        == text
        + "    b:\n        name: B\n        metadata:\n            x: [1, 2]\n            w:\n                z: true\n"
    )


@pytest.mark.parametrize(
    "new,expected",
    [
        (["x", "z"], "a: [\n  x,  # first\n  z  # last\n]\n"),
        (["x", "y", "z", "w"], "a: [\n  x,  # first\n  y,\n  z, w  # last\n]\n"),
        (["w", "x", "y", "z"], "a: [\n  w, x,  # first\n  y,\n  z  # last\n]\n"),
    ],
)
def test_a_multi_line_flow_list_keeps_its_comments(new: list, expected: str) -> None:
    assert yamledit.update("a: [\n  x,  # first\n  y,\n  z  # last\n]\n", {"a": new}) == expected


@pytest.mark.parametrize(
    "new,expected",
    [
        (
            ["x"],
            "a: [\n  x  # first\n    # last\n]\n",
        ),  # the last item removed: the kept item's comment stays
        (["y", "x"], "a: [\n  y, x  # first\n    # last\n]\n"),  # re-ordered: no comment lost
        (["x", "w"], "a: [\n  x,  # first\n  w  # last\n]\n"),
    ],
)
def test_the_last_item_of_a_multi_line_flow_list_goes_without_the_comment_before_it(
    new: list, expected: str
) -> None:
    assert yamledit.update("a: [\n  x,  # first\n  y  # last\n]\n", {"a": new}) == expected


def test_a_comment_before_the_separator_of_the_last_flow_item() -> None:
    text = "a: [\n  x  # first, really\n  , y  # last\n]\n"
    out = yamledit.update(text, {"a": ["x"]})
    assert yamlio.parse(out) == {"a": ["x"]} and "# first, really" in out and "# last" in out


def test_a_removed_field_keeps_its_comments_a_removed_entry_takes_them() -> None:
    text = "shots:\n  a:\n    name: A\n    # why this take\n    selected: true  # the pick\n    cost: 1.0\n  # about b\n  b: {name: B}\n"
    data = yamlio.parse(text)
    del data["shots"]["a"]["selected"]
    del data["shots"]["b"]
    out = yamledit.update(text, data)
    assert out == "shots:\n  a:\n    name: A\n    # why this take\n    # the pick\n    cost: 1.0\n"
