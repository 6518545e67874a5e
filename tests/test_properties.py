"""Property-based: generated productions validate; one planted mistake gives exactly one error."""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shotkit import pipeline, yamlio
from shotkit.problems import ERROR

from .strategies import production

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def errors_for(tmp_path: Path, data: dict) -> tuple[str, list]:
    path = tmp_path / "production.yaml"
    text = yamlio.dump(data)
    path.write_text(text, encoding="utf-8")
    loaded = pipeline.load([path])
    return text, [p for p in loaded.problems if p.severity == ERROR]


def position_of(text: str, needle: str) -> tuple[int, int]:
    offset = text.index(needle)
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


@SETTINGS
@given(data=production())
def test_generated_productions_are_valid(tmp_path: Path, data: dict) -> None:
    _, errors = errors_for(tmp_path, data)
    assert errors == []


@SETTINGS
@given(data=production(), choice=st.data())
def test_one_broken_reference_is_one_located_error(tmp_path: Path, data: dict, choice: st.DataObject) -> None:
    shot = choice.draw(st.sampled_from(sorted(data["shots"])))
    data["shots"][shot]["characters"] = data["shots"][shot]["characters"] + ["zz-nobody"]
    text, errors = errors_for(tmp_path, data)
    assert len(errors) == 1
    line, column = position_of(text, "zz-nobody")
    assert (errors[0].line, errors[0].column) == (line, column)
    assert "unknown character_ref 'zz-nobody'" in errors[0].message


def pyyaml_position(text: str, path: tuple) -> tuple[int, int]:
    """Where PyYAML puts the value at `path` (an independent check of shotkit's positions)."""
    node = yaml.compose(text)
    for part in path:
        if isinstance(part, int):
            node = node.value[part]
            continue
        node = next(value for key, value in node.value if key.value == part)
    return node.start_mark.line + 1, node.start_mark.column + 1


@SETTINGS
@given(data=production(), choice=st.data())
def test_a_second_selected_take_is_one_located_error(
    tmp_path: Path, data: dict, choice: st.DataObject
) -> None:
    shot = choice.draw(st.sampled_from(sorted(data["shots"])))
    data["shots"][shot]["takes"] = sorted(
        data["shots"][shot].get("takes", []) + [{"attempt": 98}, {"attempt": 99}], key=lambda t: t["attempt"]
    )
    takes = data["shots"][shot]["takes"]
    for take in takes:
        take.pop("selected", None)
    first, second = sorted(
        choice.draw(st.lists(st.integers(0, len(takes) - 1), min_size=2, max_size=2, unique=True))
    )
    takes[first]["selected"] = takes[second]["selected"] = True
    text, errors = errors_for(tmp_path, data)
    assert len(errors) == 1
    assert (
        f"shot '{shot}' has more than one selected take (attempt {takes[first]['attempt']} is selected too)"
        == errors[0].message
    )
    assert (errors[0].line, errors[0].column) == pyyaml_position(
        text, ("shots", shot, "takes", second, "selected")
    )
