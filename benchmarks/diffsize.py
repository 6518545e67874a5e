"""Measure: how many lines change when a database change is written back, three ways.

    pip install ruamel.yaml   # only for this measurement
    python -m benchmarks.diffsize

For each case of the format-preserving export issue it counts the diff lines (added +
removed) of: the old export (the whole file rewritten in canonical form), ruamel.yaml's
round-trip mode (load, change the value, dump), and shotkit's yamledit (edits at the
positions PyYAML reports). The numbers are in docs/design.md.
"""

from __future__ import annotations

import copy
import difflib
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from shotkit import yamledit, yamlio
from shotkit.canonical import dump as canonical_dump
from shotkit.project import Project

ROOT = Path(__file__).resolve().parent.parent
Change = Callable[[dict], None]

FOUR_FILES = {
    "cast.yaml": 'shotkit: 1\nworkspace: ws\ncharacters:\n  hero: {name: Hero, description: "Leader of the resistance"}\n  villain: {name: Villain}\n',
    "sound.yaml": 'shotkit: 1\nworkspace: ws\naudio:\n  music: {name: "Tension music", url: "https://cdn.example.com/t.wav", duration: 8, kind: music}\n'
    '  rain: {name: Rain, url: "https://cdn.example.com/r.wav", kind: ambient}\n',
    "scripts.yaml": 'shotkit: 1\nworkspace: ws\nscripts:\n  dialogue: {name: Dialogue, text: "HERO: Why?"}\n',
    "shots.yaml": 'shotkit: 1\nworkspace: ws\nshots:\n  "03A":\n    name: "Scene 3"\n    characters: [hero, villain]\n'
    "    audio: [music, {ref: rain, volume: 0.4}]\n    scripts: [dialogue]\n    takes:\n"
    "      - {attempt: 1, cost: 0.5, generation: {provider: minimax, model: video-01}}\n"
    "      - {attempt: 2, selected: true, cost: 0.5, generation: {provider: minimax, model: video-01, seed: 5}}\n"
    '  "04":\n    name: "Scene 4"\n    characters: [hero]\n',
}


def diff_lines(old: str, new: str) -> int:
    """Changed lines, line endings included (a CRLF file rewritten with LF changes every line)."""
    return sum(
        1
        for line in difflib.unified_diff(old.splitlines(True), new.splitlines(True), n=0)
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    )


def ruamel_rewrite(text: str, change: Change, tuned: bool = True) -> str:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    if tuned:
        yaml.indent(mapping=2, sequence=4, offset=2)  # the layout these files use: its best case
        yaml.width = 4096  # no reflowing of long lines
    data = yaml.load(text)
    change(data)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def four_ways(files: dict[str, str], change_file: str, change: Change) -> tuple[int, int, int, int]:
    project = Project(root=ROOT)
    old = default = tuned = ours = 0
    for name, text in files.items():
        act: Change = change if name == change_file else (lambda data: None)
        data = yamlio.parse(text)
        new = copy.deepcopy(data)
        act(new)
        old += diff_lines(text, canonical_dump(new, project))
        default += diff_lines(text, ruamel_rewrite(text, act, tuned=False))
        tuned += diff_lines(text, ruamel_rewrite(text, act))
        ours += diff_lines(text, yamledit.update(text, new) if not yamledit.same(new, data) else text)
    return old, default, tuned, ours


def rename(section: str, key: str, value: str) -> Change:
    def change(data: Any) -> None:
        data[section][key]["name"] = value

    return change


def reselect(data: Any) -> None:
    takes = data["shots"]["01"]["takes"]
    takes[0]["selected"] = True
    del takes[1]["selected"]


def add_layer(data: Any) -> None:
    data["shots"]["02"]["audio"].append("theme")


def new_take(data: Any) -> None:
    data["shots"]["01"]["takes"].append(
        {"attempt": 3, "cost": 0.25, "video": {"url": "https://cdn.example.com/01-3.mp4", "duration": 6.0}}
    )


def delete_foghorn(data: Any) -> None:
    del data["audio"]["foghorn"]


def lf_only(files: dict[str, str]) -> dict[str, str]:
    return {name: text.replace("\r\n", "\n") for name, text in files.items()}


def main() -> None:
    hand = {
        p.name: p.read_bytes().decode()
        for p in sorted((ROOT / "tests" / "handwritten").glob("*.yaml"))
        if p.name != "shotkit.yaml"
    }
    cases = [
        ("hand-written, nothing changed", hand, "shots.yaml", lambda data: None),
        ("hand-written, one shot renamed", hand, "shots.yaml", rename("shots", "02", "Someone knocks")),
        ("hand-written, take re-selected", hand, "shots.yaml", reselect),
        ("hand-written, audio layer added", hand, "shots.yaml", add_layer),
        ("hand-written, new take appended", hand, "shots.yaml", new_take),
        ("hand-written, audio entry deleted", hand, "cast.yaml", delete_foghorn),
        ("same, all LF: nothing changed", lf_only(hand), "shots.yaml", lambda data: None),
        (
            "same, all LF: one shot renamed",
            lf_only(hand),
            "shots.yaml",
            rename("shots", "02", "Someone knocks"),
        ),
        ("same, all LF: new take appended", lf_only(hand), "shots.yaml", new_take),
        ("same, all LF: audio entry deleted", lf_only(hand), "cast.yaml", delete_foghorn),
        (
            "4 files with workspace:, one shot renamed",
            FOUR_FILES,
            "shots.yaml",
            rename("shots", "04", "Scene 4b"),
        ),
    ]
    print("diff lines (added + removed) written back for one database change")
    print(f"{'case':42s} {'old export':>10s} {'ruamel':>8s} {'ruamel*':>8s} {'yamledit':>9s}")
    for label, files, target, change in cases:
        old, default, tuned, ours = four_ways(files, target, change)
        print(f"{label:42s} {old:10d} {default:8d} {tuned:8d} {ours:9d}")
    print(
        "ruamel: round-trip mode with preserve_quotes; ruamel*: also indent(2, 4, 2) and width 4096, tuned to these files"
    )


if __name__ == "__main__":
    main()
