"""The production shape of issue #9, generated: per shot 3 characters from a shared cast,
4 audio layers of its own, 2 scripts from a shared pool and 3 takes with a video each; the
shots in files of 100 (their audio beside them), the cast and the script pool in one file.

At 10,000 shots: 102 files, 111,500 assets and 150,000 links.
"""

from __future__ import annotations

from typing import Any

PER_FILE = 100
CAST = 500
SCRIPTS = 1_000
WORKSPACE = "bench"
OWNER = "bench-repo"


def shared() -> dict[str, Any]:
    """The cast and the script pool every shot file refers to."""
    characters = {
        f"char-{i}": {"name": f"Character {i}", "description": f"Character number {i}, a recurring face"}
        for i in range(CAST)
    }
    scripts = {
        f"script-{i}": {"name": f"Script {i}", "text": f"HERO: line {i}\nVILLAIN: reply {i}"}
        for i in range(SCRIPTS)
    }
    return {"shotkit": 1, "workspace": WORKSPACE, "characters": characters, "scripts": scripts}


def take(n: int, attempt: int) -> dict[str, Any]:
    return {
        "attempt": attempt,
        **({"selected": True} if attempt == 3 else {}),
        "quality_score": 7.5 + attempt / 2,
        "director_notes": "Lighting is close; timing needs another pass" if attempt < 3 else "Perfect",
        "generation": {"provider": "minimax", "model": "video-01", "seed": n * 10 + attempt, "steps": 50},
        "cost": 0.5,
        "video": {
            "url": f"https://cdn.example.com/takes/{n}-{attempt}.mp4",
            "duration": 8.1,
            "width": 1920,
            "height": 1080,
            "fps": 24,
        },
    }


def shot(n: int, name: str | None = None) -> dict[str, Any]:
    layers: list[Any] = [f"a{n:06d}-{k}" for k in range(3)] + [{"ref": f"a{n:06d}-3", "volume": 0.4}]
    return {
        "name": name or f"Scene {n} - Confrontation",
        "description": "Hero confronts villain in the alley, rain falling, neon reflections on the wet ground",
        "camera_angle": "medium two-shot",
        "duration_target": 8.0,
        "prompt": "Cinematic medium shot, hero and villain facing each other in a dark alley, volumetric light, 35mm",
        "characters": [f"char-{(n * 7 + k) % CAST}" for k in range(3)],
        "audio": layers,
        "scripts": [f"script-{n % SCRIPTS}", f"script-{(n * 3 + 1) % SCRIPTS}"],
        "takes": [take(n, a) for a in (1, 2, 3)],
    }


def audio(n: int) -> dict[str, Any]:
    kinds = ("music", "ambient", "dialogue", "dialogue")
    return {
        f"a{n:06d}-{k}": {
            "name": f"Shot {n} layer {k}",
            "url": f"https://cdn.example.com/audio/{n}-{k}.wav",
            "duration": 8.0,
            "kind": kinds[k],
        }
        for k in range(4)
    }


def shot_file(first: int, last: int) -> dict[str, Any]:
    layers: dict[str, Any] = {}
    shots: dict[str, Any] = {}
    for n in range(first, last):
        layers.update(audio(n))
        shots[f"s{n:06d}"] = shot(n)
    return {"shotkit": 1, "workspace": WORKSPACE, "audio": layers, "shots": shots}


def production(shots: int) -> dict[str, dict[str, Any]]:
    """File name -> manifest data."""
    files: dict[str, dict[str, Any]] = {"shared.yaml": shared()}
    for first in range(0, shots, PER_FILE):
        files[f"shots-{first // PER_FILE:04d}.yaml"] = shot_file(first, min(shots, first + PER_FILE))
    return files


def expected_counts(shots: int) -> tuple[int, int]:
    """(assets, links) a first sync must make: the benchmark checks the database against it."""
    return CAST + SCRIPTS + shots * (1 + 4 + 3 + 3), shots * (3 + 4 + 2 + 3 + 3)
