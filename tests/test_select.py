"""`shotkit select`: the selection moves in the hand-written file, only the `selected:` lines change."""

from __future__ import annotations

from pathlib import Path

from .conftest import cli_combined as run
from .test_export_inplace import changed_lines, snapshot


def test_select_moves_only_the_selected_lines(hand: Path, capsys) -> None:
    before = snapshot(hand)
    code, out = run(capsys, "select", "01", "1", str(hand))
    assert code == 0 and "selected take 1 of shot '01' (was take 2)" in out
    assert changed_lines(before, hand) == [
        "shots.yaml: +        selected: true",
        "shots.yaml: -        selected: true   # director's pick",
        "shots.yaml: +        # director's pick",  # the comment stays, on a line of its own
    ]
    text = (hand / "shots.yaml").read_bytes().decode()
    assert "      - attempt: 1\r\n        selected: true\r\n        generation:" in text
    assert text.count("\n") == text.count("\r\n")
    code, out = run(capsys, "select", "01", "1", str(hand))
    assert code == 0 and "already the selected one" in out
    code, out = run(capsys, "validate", str(hand))
    assert code == 0, out


def test_select_keeps_an_explicit_false_as_a_one_line_change(hand: Path, capsys) -> None:
    shots = hand / "shots.yaml"
    shots.write_bytes(
        shots.read_bytes().replace(
            b"      - attempt: 1\r\n", b"      - attempt: 1\r\n        selected: false  # not yet\r\n"
        )
    )
    before = snapshot(hand)
    assert run(capsys, "select", "01", "1", str(hand))[0] == 0
    assert changed_lines(before, hand) == [
        "shots.yaml: -        selected: false  # not yet",
        "shots.yaml: +        selected: true  # not yet",
        "shots.yaml: -        selected: true   # director's pick",
        "shots.yaml: +        # director's pick",
    ]


def test_select_in_flow_style_takes(tmp_path: Path, capsys) -> None:
    manifest = tmp_path / "a.yaml"
    manifest.write_text(
        "shotkit: 1\nworkspace: w\nshots:\n  s1:\n    name: One  # hi\n    takes: [{attempt: 1, selected: true}, {attempt: 2}]\n"
    )
    before = snapshot(tmp_path)
    assert run(capsys, "select", "s1", "2", str(tmp_path))[0] == 0
    assert changed_lines(before, tmp_path) == [
        "a.yaml: -    takes: [{attempt: 1, selected: true}, {attempt: 2}]",
        "a.yaml: +    takes: [{attempt: 1}, {attempt: 2, selected: true}]",
    ]


def test_select_errors_are_located(hand: Path, capsys) -> None:
    before = snapshot(hand)
    code, out = run(capsys, "select", "01", "7", str(hand))
    assert code == 1 and "shots.yaml:23:7: shot '01' has no take with attempt 7 (attempts: 1, 2)" in out
    code, out = run(capsys, "select", "02", "1", str(hand))
    assert code == 1 and "shots.yaml:35:3: shot '02' has no take with attempt 1 (attempts: none)" in out
    code, out = run(capsys, "select", "09", "1", str(hand))
    assert code == 1 and "no shot '09' in the manifests (shots: 01, 02)" in out
    assert "Traceback" not in out
    assert snapshot(hand) == before
