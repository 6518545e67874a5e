"""Hypothesis strategies: generated productions (manifest data that is valid by construction)."""

from __future__ import annotations

from hypothesis import strategies as st

key = st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)
text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40)
free = st.dictionaries(
    st.from_regex(r"[a-z]{1,8}", fullmatch=True),
    st.none() | st.booleans() | st.integers(-1000, 1000) | st.floats(0, 100, allow_nan=False) | text,
    max_size=3,
)


@st.composite
def production(draw: st.DrawFn, workspace: str = "w") -> dict:
    characters = draw(st.lists(key, min_size=1, max_size=4, unique=True))
    audio = draw(st.lists(key, min_size=1, max_size=4, unique=True))
    scripts = draw(st.lists(key, max_size=3, unique=True))
    shots = draw(st.lists(key, min_size=1, max_size=4, unique=True))
    data: dict = {"shotkit": 1, "workspace": workspace}
    data["characters"] = {
        k: {
            "name": draw(text),
            **({"description": draw(text)} if draw(st.booleans()) else {}),
            **({"metadata": m} if (m := draw(free)) else {}),
        }
        for k in characters
    }
    data["audio"] = {
        k: {
            "name": draw(text),
            **({"duration": draw(st.floats(0, 600, allow_nan=False))} if draw(st.booleans()) else {}),
            "kind": draw(st.sampled_from(["music", "dialogue", "ambient"])),
        }
        for k in audio
    }
    if scripts:
        data["scripts"] = {k: {"name": draw(text), "text": draw(text)} for k in scripts}
    data["shots"] = {}
    for shot in shots:
        entry: dict = {"name": draw(text), "prompt": draw(text)}
        entry["characters"] = draw(
            st.lists(st.sampled_from(characters), unique=True, max_size=len(characters))
        )
        layers = draw(st.lists(st.sampled_from(audio), unique=True, max_size=len(audio)))
        entry["audio"] = [
            {"ref": a, "volume": draw(st.floats(0, 1, allow_nan=False))} if draw(st.booleans()) else a
            for a in layers
        ]
        if scripts:
            entry["scripts"] = draw(st.lists(st.sampled_from(scripts), unique=True, max_size=len(scripts)))
        attempts = draw(st.lists(st.integers(1, 20), unique=True, max_size=3))
        if attempts:
            chosen = draw(st.sampled_from(attempts))
            entry["takes"] = [
                {
                    "attempt": n,
                    **({"selected": True} if n == chosen else {}),
                    "generation": {
                        "provider": draw(st.sampled_from(["minimax", "runway"])),
                        "model": "video-01",
                    },
                    "cost": draw(st.floats(0, 5, allow_nan=False)),
                    **(
                        {
                            "video": {
                                "url": f"https://cdn.example.com/{shot}-{n}.mp4",
                                "duration": draw(st.floats(0, 60, allow_nan=False)),
                                "width": 1920,
                                "height": 1080,
                            }
                        }
                        if draw(st.booleans())
                        else {}
                    ),
                }
                for n in attempts
            ]
        data["shots"][shot] = entry
    return data
