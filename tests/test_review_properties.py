"""Property-based: `review` and `cut` on generated productions (hostile link metadata included)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import opentimelineio as otio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shotkit import yamlio
from shotkit.cli import main

from .strategies import production

SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# Odd but storable values: what validation lets through (no U+0000, NaN, infinity or numbers past 64 bits).
INT64 = st.integers(-(2**63), 2**63 - 1)
ODD = (
    st.none()
    | st.booleans()
    | st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=5)
    | INT64
    | st.floats(allow_nan=False, allow_infinity=False)
)


def expected_seconds(entry: dict) -> float:
    """A shot's slot, as the docs define it: the selected video's length, else its target, else 4 s."""
    selected = next((t for t in entry.get("takes", []) if t.get("selected")), None)
    video = (selected or {}).get("video", {}).get("duration")
    return video or entry.get("duration_target") or 4.0


@SETTINGS
@given(data=production(), choice=st.data())
def test_review_and_cut_agree_on_any_valid_production(
    tmp_path: Path, data: dict, choice: st.DataObject
) -> None:
    for entry in data["shots"].values():
        if choice.draw(st.booleans()):
            entry["duration_target"] = choice.draw(st.floats(0.5, 30, allow_nan=False))
        entry["audio"] = [
            {
                "ref": a if isinstance(a, str) else a["ref"],
                "offset": choice.draw(ODD),
                "volume": choice.draw(ODD),
            }
            for a in entry["audio"]
        ]
        for take in entry.get("takes", []):
            take["generation"]["seed"] = choice.draw(INT64)
    shutil.rmtree(tmp_path / "p", ignore_errors=True)
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "a.yaml").write_text(yamlio.dump(data), encoding="utf-8")
    shutil.rmtree(tmp_path / "site", ignore_errors=True)
    assert main(["review", str(tmp_path / "p"), "--out", str(tmp_path / "site")]) == 0
    index = (tmp_path / "site" / "index.html").read_text()
    assert re.findall(r'<li class="shot" data-shot="([^"]+)"', index) == list(data["shots"])
    assert main(["cut", str(tmp_path / "p"), "--out", str(tmp_path / "cut.otio")]) == 0
    timeline = otio.adapters.read_from_file(str(tmp_path / "cut.otio"))
    video = timeline.video_tracks()[0]
    assert [item.metadata["shotkit"]["shot"] for item in video] == list(data["shots"])
    rate = video[0].source_range.duration.rate
    for item, entry in zip(video, data["shots"].values()):
        assert item.source_range.duration.value == max(round(expected_seconds(entry) * rate), 1)
    assert len({track.duration().value for track in timeline.tracks}) == 1  # every track as long as the video
