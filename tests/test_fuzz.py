"""Property tests over hostile YAML-ish manifests (issue 10).

* a plain scalar is either read as YAML 1.2's core schema reads it, or refused: never a
  number some other reader would see differently;
* `validate` on a generated manifest full of hostile keys, values and tags answers with
  located problems only (no internal error);
* what validates syncs, on SQLite and PostgreSQL: a value that passes validation and is then
  refused by a database is a bypass.

Examples are bounded in number and size so the suite stays fast."""

from __future__ import annotations

import math
import os
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shotkit import pipeline, yamlio
from shotkit.errors import ShotkitError

from .conftest import run_main, upgraded

# SHOTKIT_FUZZ_EXAMPLES=20000 for a long sweep (docs/reliability.md); the default keeps CI fast
EXAMPLES = int(os.environ.get("SHOTKIT_FUZZ_EXAMPLES", "300"))
FAST = settings(max_examples=EXAMPLES, deadline=None)
SLOW = settings(
    max_examples=max(1, EXAMPLES // 8),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FAST
@given(st.text(st.sampled_from("0123456789_.+-eExXoObBaAfFnNiI:~"), min_size=1, max_size=8))
def test_a_plain_scalar_is_read_as_yaml_1_2_or_refused(token: str) -> None:
    try:
        data = yamlio.parse(f"a: {token}\n")
    except yamlio.YamlFailure:
        return
    if not isinstance(data, dict) or set(data) != {"a"}:
        return  # not a plain scalar after all (`a: -` style edge cases are YAML structure)
    got, core = data["a"], yamlio.resolve_plain(token)
    if isinstance(got, float) and isinstance(core, float) and math.isnan(got) and math.isnan(core):
        return
    assert (type(got), got) == (type(core), core), f"{token!r} read as {got!r}, YAML 1.2 reads {core!r}"


# --- generated hostile manifests -----------------------------------------------------------

KEYS = st.sampled_from(
    [
        '"01"',
        '"007"',
        '"12"',
        '"1"',
        "s1",
        "a.b",
        "x-y",
        '"bad key"',
        "12",
        "true",
        "~",
        '""',
        '"k\\0"',
        "0755",
        "[a]",
    ]
) | st.from_regex(r"[a-z0-9][a-z0-9._-]{0,6}", fullmatch=True)
SCALARS = st.sampled_from(
    [
        "x",
        "Hero",
        '"a\\0b"',
        ".nan",
        ".inf",
        "-.inf",
        ".Nan",
        "0b101",
        "1_000",
        "0X1F",
        "-0x1",
        "1e400",
        "1.0",
        "0",
        "-1",
        "2147483647",
        "2147483648",
        "9223372036854775808",
        "-0.0",
        "1.5",
        "!!set {a}",
        "!!binary aGk=",
        "!x y",
        "!!str 5",
        "null",
        "true",
        "NO",
        "on",
        "1:20",
        "2024-01-01",
        '"\\e[31m"',
        '"\\u2028"',
        '"x\\n```"',
        "'; DROP TABLE assets; --",
        "*nope",
        "&a x",
        "[]",
        "{}",
        "[1, 2]",
        "{ref: c}",
        '"\\ud800"',
        "03",
    ]
)
FIELDS = st.sampled_from(
    [
        "name",
        "description",
        "duration",
        "url",
        "metadata",
        "characters",
        "audio",
        "takes",
        "attempt",
        "selected",
        "cost",
        "video",
        "width",
        "height",
        "fps",
        "prompt",
        "duration_target",
        "bogus",
        "nmae",
        "id",
        "links",
        "text",
        "file",
    ]
)


@st.composite
def entry(draw: st.DrawFn) -> str:
    fields = draw(st.lists(FIELDS, max_size=5, unique=True))
    parts = [f"name: {draw(SCALARS)}"] if draw(st.booleans()) else []
    for name in fields:
        if name == "takes":
            takes = draw(
                st.lists(
                    st.fixed_dictionaries(
                        {
                            "attempt": SCALARS | st.sampled_from(["1", "2"]),
                            "selected": st.sampled_from(["true", "false", "1"]),
                            "more": st.lists(st.tuples(FIELDS, SCALARS), max_size=2),
                        }
                    ),
                    max_size=2,
                )
            )
            items = [
                "{"
                + ", ".join(
                    [f"attempt: {t['attempt']}", f"selected: {t['selected']}"]
                    + [f"{k}: {v}" for k, v in t["more"] if k not in ("attempt", "selected")]
                )
                + "}"
                for t in takes
            ]
            parts.append("takes: [" + ", ".join(items) + "]")
        elif name == "metadata":
            pairs = draw(st.lists(st.tuples(KEYS, SCALARS), max_size=3, unique_by=lambda p: p[0]))
            parts.append("metadata: {" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}")
        elif name != "name":
            parts.append(f"{name}: {draw(SCALARS)}")
    return "{" + ", ".join(parts) + "}"


@st.composite
def manifest(draw: st.DrawFn) -> str:
    lines = ["shotkit: 1", f"workspace: w{uuid.uuid4().hex[:8]}"]
    for section in draw(
        st.lists(
            st.sampled_from(["characters", "audio", "scripts", "shots", "shot", "assets"]),
            min_size=1,
            max_size=3,
            unique=True,
        )
    ):
        lines.append(f"{section}:")
        for key in draw(st.lists(KEYS, min_size=1, max_size=3, unique=True)):
            lines.append(f"  {key}: {draw(entry())}")
    return "\n".join(lines) + "\n"


def check_located(path: Path, text: str) -> bool:
    """Validate; every problem located; True when the manifest is valid."""
    path.write_text(text, encoding="utf-8")
    try:
        loaded = pipeline.load([path])
    except ShotkitError:
        return False
    for problem in loaded.problems:
        assert problem.line >= 1 and problem.column >= 1 and problem.message and "\n" not in problem.message
    return loaded.ok


@FAST
@given(text=manifest())
def test_hostile_manifests_give_located_problems_only(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    check_located(tmp_path_factory.mktemp("m") / "m.yaml", text)


TEXT = st.sampled_from(
    [
        '"\\e[31mred"',
        '"x\\n```\\n# hidden"',
        '"\'; DROP TABLE assets; --"',
        '"\\u202E\\u2028"',
        '"\\U0010FFFF"',
        "NO",
        "on",
        "1:20",
        "2024-01-01",
        "!!str 5",
        '"01"',
        "~x",
        '"<b>&amp;</b>"',
        '"\\\\"',
        '" lead"',
        "-x",
    ]
) | st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12).map(
    yamlio.quote
)
NUMBER = st.sampled_from(
    [
        "0",
        "1.5",
        "-0.0",
        "1e308",
        "5e-324",
        "1e16",
        "1.0e+16",
        "123456789012345678",
        "9223372036854775807",
        "1.0",
        "0o17",
        "0x1F",
        "0.1",
    ]
)
ATTEMPT = st.sampled_from(["1", "2", "2147483647", "0o7", "0x10"])
KEY = st.sampled_from(['"01"', '"007"', '"12"', '"1"', '"0"', "s1", "a.b", "x-y", "A_1"]) | st.from_regex(
    r"[a-z0-9][a-z0-9._-]{0,6}", fullmatch=True
)
BROKEN = {
    TEXT: ['"a\\0b"', ".Nan", "0b1", "5", "!!binary aGk="],
    NUMBER: [".nan", ".inf", "1e400", "1_000", "0X1F", "-1"],
    ATTEMPT: ["2147483648", "1.0", "0", "-1", "1_0"],
    KEY: ["03", '"k\\0"', "12", '"a b"'],
}


@st.composite
def nearly_valid(draw: st.DrawFn) -> str:
    """A valid structure whose values are hostile; in half the examples one value is broken.
    About half validate, and each of those must then sync."""
    slots: list[tuple[st.SearchStrategy, str]] = []

    def value(kind: st.SearchStrategy) -> str:
        slots.append((kind, draw(kind)))
        return f"\x00{len(slots) - 1}\x00"

    lines = [
        "shotkit: 1",
        f"workspace: w{uuid.uuid4().hex[:8]}",
        "characters:",
        f"  c: {{name: {value(TEXT)}, description: {value(TEXT)}, metadata: {{k: {value(TEXT)}, n: {value(NUMBER)}}}}}",
        "shots:",
    ]
    for key in draw(st.lists(KEY, min_size=1, max_size=3, unique=True)):
        take = f"{{attempt: {value(ATTEMPT)}, selected: true, cost: {value(NUMBER)}, generation: {{seed: {value(NUMBER)}, p: {value(TEXT)}}}, video: {{url: {value(TEXT)}, duration: {value(NUMBER)}, width: {value(ATTEMPT)}}}}}"
        lines += [
            f"  {key}:",
            f"    name: {value(TEXT)}",
            "    characters: [c]",
            f"    duration_target: {value(NUMBER)}",
            f"    takes: [{take}]",
        ]
    values = [written for _, written in slots]
    if draw(st.booleans()):
        broken = draw(st.integers(0, len(slots) - 1))
        values[broken] = draw(st.sampled_from(BROKEN[slots[broken][0]]))
    text = "\n".join(lines) + "\n"
    for index, written in enumerate(values):
        text = text.replace(f"\x00{index}\x00", written, 1)
    return text


@SLOW
@given(text=nearly_valid())
def test_what_validates_syncs(any_url: str, tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    project = tmp_path_factory.mktemp("p")
    if not check_located(project / "m.yaml", text):
        return
    upgraded(any_url, project)
    assert run_main(["sync", str(project), "--database-url", any_url]) == 0, text
