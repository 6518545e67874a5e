"""Random and mutated input: the loader reports problems, and only shotkit's own error escapes."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shotkit import pipeline
from shotkit.errors import ShotkitError

from .conftest import ROOT

DEMO = (ROOT / "manifests" / "scene-03.yaml").read_bytes()
SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
SPICE = [
    b"\t",
    b"&a ",
    b"*a",
    b"!!python/object:os.system ",
    b"{",
    b"]",
    b"\x00",
    b"\xff",
    b"---\n",
    b": ",
    b"- ",
    b"'",
    b'"',
    b"03",
    b"\n  ",
    b"%YAML 1.1\n",
    b"? ",
    b"|",
    b">",
    b"#",
    b"\r",
    b"\xef\xbb\xbf",
    b"<<: *a\n",
]


def load_bytes(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "m.yaml"
    path.write_bytes(raw)
    try:
        loaded = pipeline.load([path])
    except ShotkitError:
        return
    for problem in loaded.problems:
        assert problem.line >= 1 and problem.column >= 1 and problem.message


@SETTINGS
@given(raw=st.binary(max_size=400))
def test_random_bytes(tmp_path: Path, raw: bytes) -> None:
    load_bytes(tmp_path, raw)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(DEMO)
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = draw(st.sampled_from(SPICE) | st.binary(min_size=1, max_size=3))
        if action == "insert":
            data[at:at] = piece
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 20))]
        else:
            data[at : at + len(piece)] = piece
    return bytes(data)


@SETTINGS
@given(raw=mutated())
def test_mutated_demo(tmp_path: Path, raw: bytes) -> None:
    load_bytes(tmp_path, raw)


@SETTINGS
@given(
    pieces=st.lists(
        st.sampled_from(
            list("ab: -[]{},&*!|>'\"\n\t#?%@`0123")
            + [
                "shotkit: 1\n",
                "workspace: w\n",
                "shots:\n",
                "  s:\n",
                "    name: x\n",
                "takes: [",
                "characters:\n",
            ]
        ),
        max_size=80,
    )
)
def test_yaml_shaped_noise(tmp_path: Path, pieces: list[str]) -> None:
    load_bytes(tmp_path, "".join(pieces).encode())
