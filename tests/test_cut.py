"""`shotkit cut`: the timeline file is read back with OpenTimelineIO itself."""

from __future__ import annotations

from pathlib import Path

import opentimelineio as otio
import pytest

from shotkit.cli import main

from .conftest import ROOT

PRODUCTION = ROOT / "tests" / "review" / "production"


def cut(capsys: pytest.CaptureFixture, out: Path, *args: str) -> tuple[int, str, str]:
    code = main(["cut", *args, "--out", str(out)])
    stdout, stderr = capsys.readouterr()
    return code, stdout, stderr


def read(path: Path) -> otio.schema.Timeline:
    return otio.adapters.read_from_file(str(path))


def seconds(item: otio.core.Item) -> float:
    return item.source_range.duration.to_seconds()


def summary(track: otio.schema.Track) -> list[tuple[str, str, float]]:
    return [(type(item).__name__, item.name, round(seconds(item), 4)) for item in track]


def test_demo_cut(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    code, out, _ = cut(capsys, tmp_path / "cut.otio", str(ROOT / "manifests"))
    assert (
        code == 0
        and out.strip()
        == f"wrote {tmp_path / 'cut.otio'} (otio_json): 1 shot(s), 1 selected take(s), 0 gap(s)"
    )
    timeline = read(tmp_path / "cut.otio")
    assert timeline.name == "workspace-123"
    assert [(t.name, t.kind) for t in timeline.tracks] == [("Video", "Video")] + [
        (f"Audio {n}", "Audio") for n in range(1, 5)
    ]
    (clip,) = timeline.video_tracks()[0]
    assert (
        clip.name == "03A take 2" and clip.media_reference.target_url == "https://cdn.example.com/take2.mp4"
    )
    assert clip.source_range.duration == otio.opentime.RationalTime(
        194, 24
    )  # the video's 8.1 s, to the frame at its 24 fps
    meta = clip.metadata["shotkit"]
    assert (meta["shot"], meta["attempt"], meta["cost"], meta["shot_cost"]) == ("03A", 2, 0.5, 1.0)
    assert meta["prompt"] == "Cinematic medium shot, hero and villain facing each other in dark alley"
    audio = timeline.audio_tracks()
    # Tension music is 8 s of the 8.08 s slot, so silence follows; the others have no length and fill it.
    assert summary(audio[0]) == [("Clip", "Tension music", 8.0), ("Gap", "", 0.0833)]
    assert [summary(track) for track in audio[1:]] == [
        [("Clip", name, 8.0833)] for name in ("Ambient rain", "Why did you betray us?", "You were too weak!")
    ]
    assert (
        audio[1][0].metadata["shotkit"]["volume"] == 0.4 and audio[0][0].metadata["shotkit"]["volume"] == 1.0
    )
    assert audio[1][0].media_reference.target_url == "https://cdn.example.com/rain.wav"


def test_order_gaps_offsets_and_volumes(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    code, out, _ = cut(capsys, tmp_path / "cut.otio", str(PRODUCTION))
    assert code == 0 and out.endswith("3 shot(s), 1 selected take(s), 2 gap(s)\n")
    timeline = read(tmp_path / "cut.otio")
    video = timeline.video_tracks()[0]
    # Manifest order; shot 10 runs as long as its selected video (4.5 s), shots without a
    # selection are gaps as long as their target duration, with a marker saying why.
    assert summary(video) == [("Clip", "10 take 2", 4.5), ("Gap", "", 3.0), ("Gap", "", 2.5)]
    assert [item.metadata["shotkit"]["shot"] for item in video] == ["10", "2", "01"]
    assert [[m.name for m in item.markers] for item in video] == [[], ["2: no selection"], ["01: no takes"]]
    assert video[1].markers[0].color == otio.schema.MarkerColor.RED
    bottom, middle, top = timeline.audio_tracks()
    # Shot 10: the sea (12 s) is trimmed to the 4.5 s slot; the theme starts 1 s in at volume
    # 0.6 and is trimmed; the line starts at 3.5 s. Shot 2 has no audio; shot 01's theme is on layer 1.
    assert summary(bottom) == [("Clip", "Sea swell", 4.5), ("Gap", "", 3.0), ("Clip", "Main theme", 2.5)]
    assert summary(middle) == [
        ("Gap", "", 1.0),
        ("Clip", "Main theme", 3.5),
        ("Gap", "", 3.0),
        ("Gap", "", 2.5),
    ]
    assert summary(top) == [
        ("Gap", "", 3.5),
        ("Clip", "Who's there?", 1.0),
        ("Gap", "", 3.0),
        ("Gap", "", 2.5),
    ]
    assert middle[1].metadata["shotkit"]["volume"] == 0.6 and middle[1].metadata["shotkit"]["trimmed"] is True
    assert top[1].metadata["shotkit"]["offset"] == 3.5
    # Every track is as long as the video track: the shots' slots line up.
    assert {track.duration().to_seconds() for track in timeline.tracks} == {10.0}


def test_unknown_length_gets_a_placeholder_and_a_marker(
    capsys: pytest.CaptureFixture, tmp_path: Path
) -> None:
    (tmp_path / "a.yaml").write_text(
        "shotkit: 1\nworkspace: w\nshots:\n  s1:\n    name: S\n    takes:\n"
        "      - {attempt: 1, selected: true, video: {url: 'javascript:alert(1)'}}\n"
    )
    code, _, _ = cut(capsys, tmp_path / "cut.otio", str(tmp_path / "a.yaml"))
    assert code == 0
    (clip,) = read(tmp_path / "cut.otio").video_tracks()[0]
    assert seconds(clip) == 4.0 and [m.name for m in clip.markers] == ["s1: length unknown, 4 s placeholder"]
    assert isinstance(
        clip.media_reference, otio.schema.MissingReference
    )  # only http(s) URLs become references


def test_edl_through_the_installed_adapter(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    code, out, err = cut(capsys, tmp_path / "cut.edl", str(ROOT / "manifests"))
    assert code == 0 and "(cmx_3600)" in out
    # The adapter writes the video track only: no audio layer reaches the EDL, and the note says so.
    assert (
        err.strip()
        == "note: cmx_3600 writes the video track only: the 4 audio layers are left out (otio_json keeps them all)"
    )
    edl = (tmp_path / "cut.edl").read_text()
    assert edl.startswith("TITLE: workspace-123") and "* FROM CLIP: https://cdn.example.com/take2.mp4" in edl
    (clip,) = otio.adapters.read_from_file(str(tmp_path / "cut.edl")).video_tracks()[0]
    assert clip.source_range.duration == otio.opentime.RationalTime(194, 24)


def test_edl_events_have_a_reel_name_the_edl_reads_back(
    capsys: pytest.CaptureFixture, tmp_path: Path
) -> None:
    # A take with no http(s) video, or whose file name has no letters or digits, still gets a
    # one-word reel: the adapter would name it after the clip ("s2 take") or nothing, and the
    # EDL would not read back.
    (tmp_path / "shotkit.yaml").write_text("workspace: w\n")
    (tmp_path / "s.yaml").write_text(
        "shotkit: 1\nshots:\n"
        "  s1: {name: One, takes: [{attempt: 1, selected: true, video: {url: 'https://cdn.example.com/videos/', duration: 2}}]}\n"
        "  s2: {name: Two, duration_target: 2, takes: [{attempt: 1, selected: true}]}\n"
        "  s3: {name: Three, takes: [{attempt: 1, selected: true, video: {url: 'https://cdn.example.com/v/__.mp4', duration: 1}}]}\n"
        "  s4: {name: Four, takes: [{attempt: 1, selected: true, video: {url: 'https://cdn.example.com/v/take-04.mov?t=1', duration: 1}}]}\n"
    )
    code, _, _ = cut(capsys, tmp_path / "cut.edl", str(tmp_path))
    assert code == 0
    events = [line.split() for line in (tmp_path / "cut.edl").read_text().splitlines() if line[:3].isdigit()]
    assert [event[1] for event in events] == ["AX", "AX", "AX", "take04"]
    (track,) = read(tmp_path / "cut.edl").video_tracks()
    assert [round(seconds(clip), 4) for clip in track] == [2.0, 2.0, 1.0, 1.0]


def test_fcp_xml_through_the_installed_adapter(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    code, _, _ = cut(capsys, tmp_path / "cut.xml", "--format", "fcp_xml", str(PRODUCTION))
    assert code == 0
    timeline = otio.adapters.read_from_file(str(tmp_path / "cut.xml"))
    # FCP XML keeps the sequence's length (240 frames) but not trailing gaps as items.
    assert [summary(track) for track in timeline.video_tracks()] == [[("Clip", "10 take 2", 4.5)]]
    assert "<duration>240</duration>" in (tmp_path / "cut.xml").read_text()
    assert len(timeline.audio_tracks()) == 3


def test_an_adapter_that_is_not_installed_is_a_clear_error(
    capsys: pytest.CaptureFixture, tmp_path: Path
) -> None:
    code, _, err = cut(capsys, tmp_path / "cut.xml", "--format", "no_such_adapter", str(ROOT / "manifests"))
    assert code == 1
    assert err.startswith(
        "error: no OpenTimelineIO adapter 'no_such_adapter' that writes a file is installed; available: "
    )
    available = err.split("available: ")[1].split("; ")[0]
    assert (
        "cmx_3600 (.edl)" in available and "fcp_xml (.xml)" in available and "otio_json (.otio)" in available
    )
    assert "otioz" not in available  # a bundle is not one file
    assert not (tmp_path / "cut.xml").exists()


def test_a_suffix_no_adapter_writes_is_a_clear_error(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    code, _, err = cut(capsys, tmp_path / "cut.mov", str(ROOT / "manifests"))
    assert code == 1 and err.startswith(
        f"error: {tmp_path / 'cut.mov'}: no installed OpenTimelineIO adapter writes .mov files; available: cmx_3600 (.edl)"
    )
    assert not (tmp_path / "cut.mov").exists()


def test_invalid_manifests_write_no_cut(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    code, _, err = cut(
        capsys, tmp_path / "cut.otio", str(ROOT / "tests" / "manifests" / "invalid" / "references")
    )
    assert code == 1 and "unknown character_ref 'heroo'" in err
    assert not (tmp_path / "cut.otio").exists()


def test_absurd_numbers_are_errors(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    manifest = (
        "shotkit: 1\nworkspace: w\nshots:\n  s1:\n    name: S\n    duration_target: 1.0e+300\n    takes:\n"
        "      - {attempt: 1, selected: true, generation: {seed: SEED}}\n"
    )
    (tmp_path / "a.yaml").write_text(manifest.replace("SEED", "99999999999999999999999"))
    code, _, err = cut(capsys, tmp_path / "cut.otio", str(tmp_path))
    assert (
        code == 1 and "shots.s1.takes[0].generation.seed: 99999999999999999999999 is out of range" in err
    )  # no database stores it
    assert not (tmp_path / "cut.otio").exists()
    (tmp_path / "a.yaml").write_text(manifest.replace("SEED", str(2**63 - 1)))
    code, _, err = cut(capsys, tmp_path / "cut.otio", str(tmp_path))
    assert (
        code == 1
        and err.strip()
        == "error: shot 's1' would last 1e+300 s, over a day: check its video's duration and its duration_target"
    )
    (tmp_path / "a.yaml").write_text((tmp_path / "a.yaml").read_text().replace("1.0e+300", "2.0"))
    code, _, _ = cut(capsys, tmp_path / "cut.otio", str(tmp_path))
    (clip,) = read(tmp_path / "cut.otio").video_tracks()[0]
    assert code == 0 and clip.metadata["shotkit"]["generation"] == {"seed": 2**63 - 1}
