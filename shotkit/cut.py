"""The cut: the production as an OpenTimelineIO timeline, for an editor's own tool.

All of OpenTimelineIO stays in this module. The timeline has one video track (the selected
takes in shot order; a shot without a selected take is a gap with a marker) and one audio
track per layer position (track "Audio 1" holds every shot's bottom layer). Each shot owns
the same slot on every track, so the tracks stay in sync whatever the layers' lengths.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import opentimelineio as otio

from .errors import ShotkitError
from .fileio import write_atomic
from .shotlist import Layer, Shot, Take, shot_seconds

DEFAULT_RATE = 24.0  # frames per second when no selected video names its fps
PLACEHOLDER_SECONDS = 4.0  # a shot whose length nothing tells still gets a slot
MAX_SECONDS = 86400.0  # a shot longer than a day is a typo, not a shot
DEFAULT_FORMAT = "otio_json"
ADAPTER_HINT = (
    "adapters are Python packages, e.g. otio-cmx3600-adapter (cmx_3600), otio-fcp-adapter (fcp_xml)"
)
# Audio tracks each adapter writes: the CMX 3600 adapter writes the first (video) track only
# (and refuses a timeline with more than two audio tracks).
AUDIO_TRACK_LIMITS = {"cmx_3600": 0}


def timeline(shots: list[Shot], name: str) -> otio.schema.Timeline:
    """The cut of these shots, in their order."""
    rate = _rate(shots)
    video = otio.schema.Track(name="Video", kind=otio.schema.TrackKind.Video)
    audio = [
        otio.schema.Track(name=f"Audio {n}", kind=otio.schema.TrackKind.Audio)
        for n in range(1, max((len(s.layers) for s in shots), default=0) + 1)
    ]
    for shot in shots:
        seconds = shot_seconds(shot)
        frames = _frames(shot, seconds, rate)
        item = _clip(shot, shot.selected, frames, rate) if shot.selected else _gap(frames, rate)
        item.metadata["shotkit"] = _shot_metadata(shot, seconds)
        if seconds is None:
            item.markers.append(
                _marker(
                    f"{shot.key}: length unknown, {PLACEHOLDER_SECONDS:g} s placeholder",
                    rate,
                    otio.schema.MarkerColor.ORANGE,
                )
            )
        if shot.selected is None:
            item.markers.append(_marker(f"{shot.key}: {shot.status}", rate, otio.schema.MarkerColor.RED))
        video.append(item)
        for position, track in enumerate(audio, 1):
            layer = shot.layers[position - 1] if position <= len(shot.layers) else None
            track.extend(_layer_items(shot, layer, frames, rate))
    result = otio.schema.Timeline(name=name)
    result.tracks.extend([video, *audio])
    return result


def _frames(shot: Shot, seconds: float | None, rate: float) -> int:
    if seconds is not None and seconds > MAX_SECONDS:
        raise ShotkitError(
            f"shot '{shot.key}' would last {seconds:g} s, over a day: check its video's duration and its duration_target"
        )
    return max(round((seconds or PLACEHOLDER_SECONDS) * rate), 1)


def _rate(shots: list[Shot]) -> float:
    """One rate for the whole timeline: the first selected video's fps, else 24."""
    return next((s.selected.fps for s in shots if s.selected and s.selected.fps), DEFAULT_RATE)


def _range(frames: int, rate: float) -> otio.opentime.TimeRange:
    return otio.opentime.TimeRange(
        otio.opentime.RationalTime(0, rate), otio.opentime.RationalTime(frames, rate)
    )


def _reference(url: str | None, seconds: float | None, used: int, rate: float) -> otio.core.MediaReference:
    """The media at `url`; as long as the manifest says, else (at least) as long as it is used
    (some adapters, FCP XML's among them, need every reference's available range)."""
    if url is None:  # no URL, or one that is not http(s)
        return otio.schema.MissingReference()
    available = max(round(seconds * rate), used) if seconds else used
    return otio.schema.ExternalReference(target_url=url, available_range=_range(available, rate))


def _clip(shot: Shot, take: Take, frames: int, rate: float) -> otio.schema.Clip:
    return otio.schema.Clip(
        name=f"{shot.key} take {take.attempt}",
        media_reference=_reference(take.video_url, take.video_duration, frames, rate),
        source_range=_range(frames, rate),
    )


def _gap(frames: int, rate: float) -> otio.schema.Gap:
    return otio.schema.Gap(source_range=_range(frames, rate))


def _marker(name: str, rate: float, color: str) -> otio.schema.Marker:
    return otio.schema.Marker(name=name, marked_range=_range(1, rate), color=color)


def _shot_metadata(shot: Shot, seconds: float | None) -> dict[str, Any]:
    take = shot.selected
    found: dict[str, Any] = {
        "workspace": shot.workspace,
        "shot": shot.key,
        "shot_name": shot.name,
        "prompt": shot.prompt,
        "duration_target": shot.duration_target,
        "shot_cost": round(shot.cost, 6),
        "length_known": seconds is not None,
    }
    if take is not None:
        found.update(
            take=take.key,
            attempt=take.attempt,
            cost=take.cost,
            quality_score=take.quality,
            director_notes=take.notes,
            generation=_plain(take.generation),
            video_url=take.video_url,
        )
    return found


def _plain(value: Any) -> Any:
    """Manifest data OTIO can hold: integers beyond 64 bits become text, keys become text."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**63:
        return str(value)
    return value


def _layer_items(shot: Shot, layer: Layer | None, frames: int, rate: float) -> list[otio.core.Item]:
    """The shot's slot on one audio track: silence, the layer from its offset, silence.

    A layer that runs past the end of the shot is trimmed to it (`trimmed` in its metadata):
    the next shot owns the rest of the track."""
    if layer is None:
        return [_gap(frames, rate)]
    slot = frames / rate  # offsets and lengths are capped near the slot first: 1e308 s is a valid number
    offset = min(round(min(layer.offset, slot) * rate), frames)
    wanted = frames - offset if layer.duration is None else round(min(layer.duration, slot + 1) * rate)
    length = min(wanted, frames - offset)
    if length <= 0:
        return [_gap(frames, rate)]
    clip = otio.schema.Clip(
        name=layer.name,
        media_reference=_reference(layer.url, layer.duration, length, rate),
        source_range=_range(length, rate),
    )
    clip.metadata["shotkit"] = {
        "workspace": shot.workspace,
        "shot": shot.key,
        "audio": layer.key,
        "layer": layer.position,
        "kind": layer.kind,
        "offset": layer.offset,
        "volume": 1.0 if layer.volume is None else layer.volume,
        "trimmed": length < wanted,
    }
    items: list[otio.core.Item] = [_gap(offset, rate)] if offset else []
    items.append(clip)
    if offset + length < frames:
        items.append(_gap(frames - offset - length, rate))
    return items


def formats() -> list[str]:
    """The installed adapters that can write a timeline to a single file."""
    return sorted(
        name
        for name in otio.adapters.available_adapter_names()
        if otio.adapters.from_name(name).has_feature("write_to_string")
    )


def format_for(out: Path, fmt: str | None) -> str:
    """The adapter asked for, else the one for `out`'s suffix (OTIO's own JSON when it has none)."""
    available = {name: otio.adapters.from_name(name).suffixes for name in formats()}
    shown = ", ".join(
        f"{name} (.{', .'.join(suffixes)})" if suffixes else name for name, suffixes in available.items()
    )
    if fmt is None:
        suffix = out.suffix.lstrip(".").lower()
        chosen = next(
            (name for name, suffixes in available.items() if suffix in suffixes),
            DEFAULT_FORMAT if not suffix else None,
        )
        if chosen is None:
            raise ShotkitError(
                f"{out}: no installed OpenTimelineIO adapter writes .{suffix} files; available: {shown}; {ADAPTER_HINT}"
            )
        return chosen
    if fmt not in available:
        raise ShotkitError(
            f"no OpenTimelineIO adapter '{fmt}' that writes a file is installed; available: {shown}; {ADAPTER_HINT}"
        )
    return fmt


def write(cut: otio.schema.Timeline, out: Path, fmt: str) -> list[str]:
    """Write the cut; returns notes on what the format could not hold."""
    notes = []
    limit = AUDIO_TRACK_LIMITS.get(fmt)
    audio = [t for t in cut.tracks if t.kind == otio.schema.TrackKind.Audio]
    if limit is not None and len(audio) > limit:
        cut = cut.deepcopy()
        for track in [t for t in cut.tracks if t.kind == otio.schema.TrackKind.Audio][limit:]:
            cut.tracks.remove(track)
        if limit == 0:
            layers = "the audio layer is" if len(audio) == 1 else f"the {len(audio)} audio layers are"
            notes.append(f"{fmt} writes the video track only: {layers} left out (otio_json keeps them all)")
        else:
            left_out = (
                f"layer {limit + 1} is"
                if len(audio) == limit + 1
                else f"layers {limit + 1} to {len(audio)} are"
            )
            notes.append(f"{fmt} holds {limit} audio tracks: {left_out} left out (otio_json keeps them all)")
    if fmt == "cmx_3600":
        cut = _with_reels(cut)
    try:
        text = otio.adapters.write_to_string(cut, adapter_name=fmt)
    except Exception as err:
        raise ShotkitError(f"{out}: the {fmt} adapter cannot write this cut: {err}") from None
    write_atomic(out, text)
    return notes


def _with_reels(cut: otio.schema.Timeline) -> otio.schema.Timeline:
    """A copy whose clips name their EDL reel: one word of letters and digits (8 at most) from
    the video's file name, else AX. The adapter's own guess is the clip's name ("03A take")
    or nothing for a take without a video, and an EDL with a space or nothing as reel does not
    read back."""
    cut = cut.deepcopy()
    for clip in cut.find_clips():
        reel = ""
        if isinstance(clip.media_reference, otio.schema.ExternalReference):
            name = urlsplit(clip.media_reference.target_url or "").path.rsplit("/", 1)[-1]
            reel = re.sub(r"[^A-Za-z0-9]", "", name.rsplit(".", 1)[0] if "." in name else name)[:8]
        clip.metadata.setdefault("cmx_3600", {})["reel"] = reel or "AX"
    return cut
