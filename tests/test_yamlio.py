"""The YAML layer: safe reading with positions, and the canonical emitter."""

from __future__ import annotations

import math

import pytest
import yaml
import yaml_rs
from hypothesis import given, settings
from hypothesis import strategies as st

from shotkit import yamlio


def issues(text: str) -> list[tuple[int, int, str]]:
    with pytest.raises(yamlio.YamlFailure) as failure:
        yamlio.parse(text)
    return [(i.line, i.column, i.message) for i in failure.value.issues]


def test_leading_zero_numbers_are_rejected_with_a_hint() -> None:
    [(line, column, message)] = issues("a: 1\nb: 0755\n")
    assert (line, column) == (2, 4)
    assert 'quote it as "0755"' in message


def test_unquoted_shot_number_key_is_rejected() -> None:
    [(line, column, message)] = issues("shots:\n  03: {name: x}\n")
    assert (line, column) == (2, 3) and "`03`" in message


def test_quoted_and_explicit_numbers_are_fine() -> None:
    assert yamlio.parse('a: "03"\nb: 0o17\nc: 0x1F\nd: 0.50\ne: 10\n') == {
        "a": "03",
        "b": 15,
        "c": 31,
        "d": 0.5,
        "e": 10,
    }


@pytest.mark.parametrize(
    "written",
    [
        "NO",
        "no",
        "on",
        "Off",
        "yes",
        "y",
        "1:20",
        "12:30:00",
        "2024-01-01",
        "2001-12-14t21:59:43.10-05:00",
        "~x",
    ],
)
def test_yaml11_surprises_stay_text(written: str) -> None:
    assert yamlio.parse(f"a: {written}\n") == {"a": written}


def test_duplicate_keys_are_located() -> None:
    [(line, column, message)] = issues("a: 1\nb:\n  c: 1\n  c: 2\n")
    assert (line, column) == (4, 3)
    assert message == "duplicate key 'c' (first defined at line 3, column 3)"


def test_tabs_are_located() -> None:
    [(line, column, message)] = issues("a:\n\tb: 1\n")
    assert (line, column) == (2, 2) and "tab" in message


def test_control_characters_are_located() -> None:
    with pytest.raises(yamlio.YamlFailure) as failure:
        yamlio.decode(b"a: 1\nb: x\x1by\n")
    issue = failure.value.issues[0]
    assert (issue.line, issue.column) == (2, 5) and "U+001B" in issue.message


def test_invalid_utf8_is_located() -> None:
    with pytest.raises(yamlio.YamlFailure) as failure:
        yamlio.decode(b"a: 1\nname: H\xe9ro\n")
    issue = failure.value.issues[0]
    assert (issue.line, issue.column) == (2, 8) and "UTF-8" in issue.message


def test_byte_order_mark_is_accepted() -> None:
    assert yamlio.parse(yamlio.decode(b"\xef\xbb\xbfa: 1\n")) == {"a": 1}


def billion_laughs(levels: int = 9) -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels + 1):
        prev, name = chr(96 + i), chr(97 + i)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_rejected() -> None:
    [(_, _, message)] = issues(billion_laughs())
    assert "aliases expand past the limit" in message


def test_a_few_aliases_are_fine() -> None:
    assert yamlio.parse("base: &g {provider: minimax}\ntake: {generation: *g}\n")["take"] == {
        "generation": {"provider": "minimax"}
    }


def test_deep_nesting_is_rejected() -> None:
    deep_flow = "a: " + "[" * 5000 + "]" * 5000
    assert "nesting" in issues(deep_flow)[0][2]
    deep_block = "".join(" " * i + f"k{i}:\n" for i in range(150)) + " " * 150 + "v\n"
    assert "nesting" in issues(deep_block)[0][2]


def test_several_documents_are_rejected() -> None:
    assert "one YAML document" in issues("a: 1\n---\nb: 2\n")[0][2]


def test_positions_of_keys_and_values() -> None:
    tree = yamlio.NodeTree("shots:\n  s1:\n    name: One\n    audio: [a, b]\n")
    assert tree.position(("shots", "s1", "name")) == (3, 11)
    assert tree.position(("shots", "s1", "name"), key=True) == (3, 5)
    assert tree.position(("shots", "s1", "audio", 1)) == (4, 16)
    assert tree.position(("shots", "s1", "missing", 3)) == (3, 5)  # nearest ancestor


# --- the emitter --------------------------------------------------------------------------

keys = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=True)
    | st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
    | st.sampled_from(
        [
            "NO",
            "on",
            "03",
            "1:20",
            "2024-01-01",
            "null",
            "~",
            "- x",
            "a: b",
            "x #y",
            "line\nline\n",
            "|",
            "",
            " lead",
            "trail ",
            "\tx",
            "a,b",
            "[x]",
        ]
    )
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(keys, values, min_size=1, max_size=5))
def test_dump_reads_back_the_same_in_yaml_1_2_and_1_1(data: dict) -> None:
    text = yamlio.dump(data)
    assert yaml_rs.loads(text, parse_datetime=False) == data
    assert yaml.load(text, Loader=yaml.SafeLoader) == data  # PyYAML reads YAML 1.1


def test_dump_is_readable() -> None:
    text = yamlio.dump(
        {
            "shots": {
                "03A": {
                    "name": "Scene 3 - Confrontation",
                    "characters": ["hero", "villain"],
                    "text": "A\nB\n",
                    "ratio": 1.0,
                    "x": math.inf,
                }
            }
        }
    )
    assert text == (
        "shots:\n"
        '  "03A":\n'
        "    name: Scene 3 - Confrontation\n"
        "    characters: [hero, villain]\n"
        "    text: |\n"
        "      A\n"
        "      B\n"
        "    ratio: 1.0\n"
        "    x: .inf\n"
    )


def test_positions_after_complex_keys_and_aliases() -> None:
    tree = yamlio.NodeTree("a: &x {k: 1}\n? [p, q]\n: 2\nb: *x\nc:\n  - d: 3\n")
    assert tree.hazards == []
    assert tree.position(("b",)) == (4, 4)  # the alias itself, not its anchor
    assert tree.position(("c", 0, "d")) == (6, 8)
    assert tree.position(("a", "k"), key=True) == (1, 8)


def test_large_files_keep_entry_level_positions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlio, "PRECISE_POSITIONS", 10)
    text = "shots:\n  s1:\n    takes:\n      - attempt: 1\n        cost: x\n"
    tree = yamlio.NodeTree(text, check=False)
    assert tree.position(("shots", "s1", "takes", 0, "cost")) == (4, 7)  # the `takes:` list
    assert ("shots", "s1", "takes", 0) not in tree.values


@pytest.mark.parametrize("written", ["0b101", "1_000", "0X1F", ".Nan", "-0x1", "+0o7", "1e1_0", "._5"])
def test_numbers_only_yaml_1_1_reads_are_refused_with_a_hint(written: str) -> None:
    [(line, column, message)] = issues(f"a: x\nb: {written}\n")
    assert (line, column) == (2, 4)
    assert f'quote it as "{written}" if it is text' in message


@pytest.mark.parametrize(
    "tag", ["!!set {a}", "!!binary aGk=", "!local x", "!!omap [a: 1]", "!!python/name:os.system x"]
)
def test_tags_beyond_the_core_schema_are_refused(tag: str) -> None:
    [(line, column, message)] = issues(f"a: x\nb: {tag}\n")
    assert (line, column) == (2, 4) and "is not supported" in message


def test_alias_bytes_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    text = 'a: &a "' + "x" * 1000 + '"\nb: [' + ", ".join(["*a"] * 2000) + "]\n"
    assert yamlio.parse(text)["b"][0] == "x" * 1000
    monkeypatch.setattr(yamlio, "MAX_ALIAS_BYTES", 1_000_000)
    [(line, _, message)] = issues(text)
    assert line == 2 and "aliases expand past the limit of 1000000 bytes" in message


def test_a_mapping_as_a_key_is_a_located_error() -> None:
    text = "? &a characters:\n  hero:\n    name: Hero\nshots: {}\n"
    with pytest.raises(yamlio.YamlFailure) as failure:
        yamlio.parse(text)
    assert [(i.line, i.column, i.message) for i in failure.value.issues] == [
        (1, 3, "a key must be a plain value, not a mapping or a list")
    ]
