"""The review site: static HTML pages of a production, for the people who choose takes.

Pages are rendered by Jinja2 templates (shipped in `shotkit/templates/`) with autoescaping on,
so every text from a manifest is shown as text. The pages carry no JavaScript at all and a
Content-Security-Policy that forbids scripts, so an escaping mistake still could not run one;
videos play with the browser's own controls. URLs reach a page only through
`shotlist.safe_url` (http and https). File names come from `page_name`, never from a key alone.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from .errors import ShotkitError
from .fileio import make_dirs, write_atomic
from .shotlist import Layer, Shot, shot_seconds

MARKER = ".shotkit-review"  # lists the files the last build wrote, so a rebuild removes stale ones
PLACEHOLDER_SECONDS = 4.0  # the length shown for a shot whose length nothing tells
SHORTEST, LONGEST = 0.1, 1e9  # seconds a timeline is drawn over, whatever numbers a manifest holds


def page_name(workspace: str, key: str) -> str:
    """`shots/SLUG-HASH.html`: readable, safe on every file system, unique per (workspace, key)."""
    slug = re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")[:40] or "shot"
    digest = hashlib.sha256(f"{workspace}\0{key}".encode()).hexdigest()[:10]
    return f"shots/{slug}-{digest}.html"


def select_command(shot: Shot, attempt: int, paths: list[str]) -> str:
    """The command that selects this take, quoted for a POSIX shell."""
    return " ".join(shlex.quote(part) for part in ["shotkit", "select", shot.key, str(attempt), *paths])


@dataclass(frozen=True)
class Bar:
    layer: Layer
    left: float  # percent of the timeline
    width: float  # percent of the timeline
    open_end: bool  # the audio's length is unknown: drawn to the end of the shot (as the cut plays it)


@dataclass(frozen=True)
class Timeline:
    seconds: float
    known: bool  # False when PLACEHOLDER_SECONDS stands in for an unknown length
    bars: list[Bar]
    end: float | None  # percent where the shot ends, when audio runs on past it
    ticks: list[tuple[float, float]]  # (seconds, percent)


def timeline(shot: Shot) -> Timeline:
    """The audio layers laid out over the shot, bottom layer first."""
    length = min(shot_seconds(shot) or 0.0, LONGEST)
    spans = [
        (min(layer.offset, LONGEST), None if layer.duration is None else min(layer.duration, LONGEST))
        for layer in shot.layers
    ]
    seconds = max([length, *(start + (duration or 0.0) for start, duration in spans)])
    known = seconds > 0
    seconds = max(seconds, SHORTEST) if known else PLACEHOLDER_SECONDS
    bars = []
    for layer, (start, duration) in zip(shot.layers, spans):
        end = max(length or seconds, start) if duration is None else start + duration
        left = _percent(start, seconds)
        bars.append(Bar(layer, left, max(round(_percent(end, seconds) - left, 3), 0.5), duration is None))
    shot_end = _percent(length, seconds) if length and length < seconds else None
    return Timeline(seconds, known, bars, shot_end, _ticks(seconds))


def _percent(part: float, whole: float) -> float:
    return round(100 * (part / whole), 3)


def _ticks(seconds: float) -> list[tuple[float, float]]:
    """At most 11 ticks, a round step apart (0.5, 1, 2, 5, 10, 20, ... seconds)."""
    raw = seconds / 10
    scale = 10.0 ** math.floor(math.log10(raw))
    step = next(m * scale for m in (1, 2, 5, 10) if m * scale >= raw)
    return [(i * step, _percent(i * step, seconds)) for i in range(int(seconds // step) + 1)]


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:g} s"


def _money(value: float | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def _value(value: object) -> str:
    """A generation parameter as text: strings as they are, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("shotkit", "templates"),
        autoescape=True,  # every template, whatever its name: manifests are hostile
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(seconds=_seconds, money=_money, value=_value)
    return env


def render(shots: list[Shot], stats: dict[str, Any], paths: list[str]) -> dict[str, str]:
    """Every page of the site: relative file name -> HTML."""
    names = {(s.workspace, s.key): page_name(s.workspace, s.key) for s in shots}
    if len(set(names.values())) != len(names):
        raise ShotkitError("two shots map to the same page name; rename one of them")
    env = environment()
    workspaces = list(dict.fromkeys(s.workspace for s in shots))
    pages = {
        "index.html": env.get_template("production.html").render(
            shots=shots,
            workspaces=workspaces,
            stats=stats,
            usage=usage(shots),
            page=lambda s: names[(s.workspace, s.key)],
            root="",
            title="Production",
        )
    }
    for index, shot in enumerate(shots):
        previous = shots[index - 1] if index else None
        following = shots[index + 1] if index + 1 < len(shots) else None
        pages[names[(shot.workspace, shot.key)]] = env.get_template("shot.html").render(
            shot=shot,
            timeline=timeline(shot),
            root="../",
            title=f"{shot.key} {shot.name}",
            previous=previous and "../" + names[(previous.workspace, previous.key)],
            following=following and "../" + names[(following.workspace, following.key)],
            commands={take.attempt: select_command(shot, take.attempt, paths) for take in shot.takes},
            multiple=len(workspaces) > 1,
        )
    return pages


def usage(shots: list[Shot]) -> list[tuple[str, list[bool]]]:
    """The character x shot matrix: (character name, [used in shot i]), in first-use order."""
    rows: dict[tuple[str, str], tuple[str, list[bool]]] = {}
    for index, shot in enumerate(shots):
        for character in shot.characters:
            row = rows.setdefault((shot.workspace, character.key), (character.name, [False] * len(shots)))
            row[1][index] = True
    return list(rows.values())


def write_site(out: Path, pages: dict[str, str]) -> None:
    """Write the pages into `out`; files of an earlier build that are gone now are removed.

    A directory that holds other files and no marker is refused: `--out` pointing at the
    wrong folder must not mix a site into it (or, on a rebuild, delete from it)."""
    marker = out / MARKER
    if out.exists() and not out.is_dir():
        raise ShotkitError(f"{out}: not a directory")
    if out.is_dir() and any(out.iterdir()) and not marker.is_file():
        raise ShotkitError(
            f"{out}: directory is not empty and holds no shotkit review site; pick a new or empty directory"
        )
    earlier = marker.read_text(encoding="utf-8").splitlines() if marker.is_file() else []
    make_dirs(out / "shots", display=str(out))
    for name, html in pages.items():
        write_atomic(out / name, html)
    for name in set(earlier) - set(pages):
        if re.fullmatch(r"(shots/)?[a-z0-9-]+\.html", name):  # only names this module makes
            (out / name).unlink(missing_ok=True)
    write_atomic(marker, "".join(f"{name}\n" for name in sorted(pages)))
