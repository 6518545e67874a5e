"""The production read as a shot list: shots in order, with their takes, layers and scripts.

`review` (the HTML pages) and `cut` (the OpenTimelineIO timeline) both show a production the
way a director or an editor sees it, not as assets and links. This module turns the validated
model into that view once, so both agree on the order, the selected take and each layer's
offset and volume. Every value still comes from a manifest and is hostile: numbers that drive a
layout are checked here, URLs are only kept when they are plain http(s).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from .model import ATTEMPT, GENERATED, TAKE, VIDEO, Asset, Production, Workspace
from .registry import ATTEMPT_NUMBER, COST_KEY, NOTES_KEY, PARAMS_KEY, QUALITY_KEY, SELECTED_KEY

_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\\]")


def safe_url(value: object) -> str | None:
    """`value` if it is an absolute http(s) URL a browser reads the same way, else None.

    Browsers drop tabs, newlines and leading control characters from URLs (so
    `java\\tscript:` is `javascript:`) and read backslashes as slashes: any of those, and
    any other scheme, make the URL unusable as a link or a source.
    """
    if not isinstance(value, str) or not value or _UNSAFE.search(value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return value


def number(value: object) -> float | None:
    """A finite number from free-form metadata, else None (`true`, `"loud"`, `.inf` are not)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    result = float(value)
    return result if math.isfinite(result) else None


@dataclass(frozen=True)
class Take:
    key: str  # "SHOT#ATTEMPT"
    attempt: int
    name: str
    selected: bool
    cost: float | None
    quality: float | None
    notes: str | None
    generation: dict[str, Any]
    video_url: str | None  # safe, or None
    video_duration: float | None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    has_video: bool = False  # a video is declared, even if its URL was not safe


@dataclass(frozen=True)
class Layer:
    position: int  # 1 is the bottom layer
    key: str
    name: str
    kind: str | None
    url: str | None
    duration: float | None  # the audio's own length; None when the manifest does not say
    offset: float  # seconds from the start of the shot
    volume: float | None


@dataclass(frozen=True)
class Character:
    key: str
    name: str
    description: str | None
    image: str | None  # a reference image named in metadata (`reference_image` or `image`)
    url: str | None


@dataclass(frozen=True)
class Script:
    key: str
    name: str
    text: str


@dataclass
class Shot:
    workspace: str
    key: str
    name: str
    description: str | None
    prompt: str | None
    camera_angle: str | None
    duration_target: float | None
    characters: list[Character] = field(default_factory=list)
    layers: list[Layer] = field(default_factory=list)
    scripts: list[Script] = field(default_factory=list)
    takes: list[Take] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)  # other metadata fields, shown as they are

    @property
    def selected(self) -> Take | None:
        return next((t for t in self.takes if t.selected), None)

    @property
    def status(self) -> str:
        """`no takes`, `no selection` or `selected`."""
        if not self.takes:
            return "no takes"
        return "selected" if self.selected else "no selection"

    @property
    def cost(self) -> float:
        return sum(t.cost or 0.0 for t in self.takes)


def shot_seconds(shot: Shot) -> float | None:
    """How long the shot runs: its selected take's video (what the editor gets), else its
    target duration; None when neither is known."""
    selected = shot.selected
    if selected is not None and selected.video_duration:
        return selected.video_duration
    return shot.duration_target or None


SHOT_FIELDS = {"shot_number", "description", "camera_angle", "duration_target", "prompt"}


def shots(production: Production) -> list[Shot]:
    """Every shot, in manifest order: workspaces, files in path order, shots as each file lists them."""
    result: list[Shot] = []
    for workspace in production.workspaces.values():
        children = _children(workspace)
        for asset in workspace.assets.values():
            if asset.type == "shot":
                result.append(_shot(workspace, asset, children))
    return result


def _children(workspace: Workspace) -> dict[tuple[str, str], dict[str, list[Any]]]:
    """parent ref -> relationship type -> [(sequence, child asset, link metadata)], in sequence order."""
    found: dict[tuple[str, str], dict[str, list[Any]]] = {}
    for link in workspace.links:
        child = workspace.assets.get((link.child_type, link.child_key))
        if child is not None:
            found.setdefault(link.parent, {}).setdefault(link.type, []).append(
                (link.sequence or 0, child, link.metadata)
            )
    for by_type in found.values():
        for items in by_type.values():
            items.sort(key=lambda item: item[0])
    return found


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _shot(workspace: Workspace, asset: Asset, children: dict[tuple[str, str], dict[str, list[Any]]]) -> Shot:
    meta = asset.metadata
    links = children.get(asset.ref, {})
    return Shot(
        workspace=workspace.name,
        key=asset.key,
        name=asset.name,
        description=_text(meta.get("description")),
        prompt=_text(meta.get("prompt")),
        camera_angle=_text(meta.get("camera_angle")),
        duration_target=number(meta.get("duration_target")),
        characters=[_character(child) for _, child, _ in links.get("uses_character", [])],
        layers=[
            _layer(index, child, link_meta)
            for index, (_, child, link_meta) in enumerate(links.get("uses_audio", []), 1)
        ],
        scripts=[
            Script(child.key, child.name, str(child.metadata.get("text", "")))
            for _, child, _ in links.get("uses_script", [])
        ],
        takes=[
            _take(child, children.get(child.ref, {}))
            for _, child, _ in links.get(ATTEMPT, [])
            if child.type == TAKE
        ],
        metadata={k: v for k, v in meta.items() if k not in SHOT_FIELDS},
    )


def _character(asset: Asset) -> Character:
    image = asset.metadata.get("reference_image", asset.metadata.get("image"))
    return Character(
        asset.key, asset.name, _text(asset.metadata.get("description")), safe_url(image), safe_url(asset.url)
    )


def _layer(position: int, asset: Asset, link_meta: dict[str, Any]) -> Layer:
    offset = number(link_meta.get("offset"))
    volume = number(link_meta.get("volume"))
    duration = asset.duration if asset.duration is not None and math.isfinite(asset.duration) else None
    return Layer(
        position,
        asset.key,
        asset.name,
        _text(asset.metadata.get("kind")),
        safe_url(asset.url),
        duration,
        max(offset or 0.0, 0.0),
        volume if volume is None else max(volume, 0.0),
    )


def _take(asset: Asset, links: dict[str, list[Any]]) -> Take:
    meta = asset.metadata
    video = next((child for _, child, _ in links.get(GENERATED, []) if child.type == VIDEO), None)
    generation = meta.get(PARAMS_KEY)
    take = Take(
        key=asset.key,
        attempt=int(meta.get(ATTEMPT_NUMBER, 0)),
        name=asset.name,
        selected=bool(meta.get(SELECTED_KEY)),
        cost=number(meta.get(COST_KEY)),
        quality=number(meta.get(QUALITY_KEY)),
        notes=_text(meta.get(NOTES_KEY)),
        generation=generation if isinstance(generation, dict) else {},
        video_url=None,
        video_duration=None,
    )
    if video is None:
        return take
    width, height = video.metadata.get("width"), video.metadata.get("height")
    return replace(
        take,
        video_url=safe_url(video.url),
        has_video=True,
        video_duration=video.duration
        if video.duration is not None and math.isfinite(video.duration)
        else None,
        width=width if isinstance(width, int) and not isinstance(width, bool) else None,
        height=height if isinstance(height, int) and not isinstance(height, bool) else None,
        fps=number(video.metadata.get("fps")),
    )
