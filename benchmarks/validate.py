"""Benchmark: `shotkit validate` on a generated 10,000-shot production, against json.loads.

    python -m benchmarks.validate [--shots 10000] [--repeat 3]

Writes the production (100 shot files + 2 asset files, canonical YAML) to a temporary
directory, then times, each the best of --repeat runs:
  json.loads of the same data (the issue's yardstick), PyYAML's C loader, yaml_rs,
  and shotkit's whole validation (read, parse, schema, model, graph checks),
and the same validation at a quarter and half the size, to show it grows linearly.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
import yaml_rs

from shotkit import pipeline, yamlio

FILES = 100


def production(shots: int) -> dict[str, dict]:
    """File name -> manifest data: characters and audio in two files, shots in FILES files."""
    characters = {
        f"char-{i}": {"name": f"Character {i}", "description": f"Character number {i}, a recurring face"}
        for i in range(200)
    }
    audio = {
        f"audio-{i}": {
            "name": f"Audio layer {i}",
            "url": f"https://cdn.example.com/audio/{i}.wav",
            "duration": 8.0,
            "kind": "music",
        }
        for i in range(400)
    }
    scripts = {
        f"script-{i}": {"name": f"Script {i}", "text": f"HERO: line {i}\nVILLAIN: reply {i}"}
        for i in range(200)
    }
    files: dict[str, dict] = {
        "characters.yaml": {"shotkit": 1, "workspace": "bench", "characters": characters},
        "audio.yaml": {"shotkit": 1, "workspace": "bench", "audio": audio, "scripts": scripts},
    }
    per_file = max(1, shots // FILES)
    for f in range(FILES):
        entries = {}
        for n in range(f * per_file, min(shots, (f + 1) * per_file)):
            entries[f"s{n:05d}A"] = {
                "name": f"Scene {n} - Confrontation",
                "description": "Hero confronts villain in the alley, rain falling, neon reflections on the wet ground",
                "camera_angle": "medium two-shot",
                "duration_target": 8.0,
                "prompt": "Cinematic medium shot, hero and villain facing each other in a dark alley, volumetric light, 35mm",
                "characters": [f"char-{(n + k) % 200}" for k in range(3)],
                "audio": [f"audio-{(n + k) % 400}" for k in range(3)]
                + [{"ref": f"audio-{(n + 3) % 400}", "volume": 0.4}],
                "scripts": [f"script-{n % 200}", f"script-{(n + 1) % 200}"],
                "takes": [
                    {
                        "attempt": a,
                        **({"selected": True} if a == 3 else {}),
                        "quality_score": 7.5 + a / 2,
                        "director_notes": "Lighting is close; timing needs another pass"
                        if a < 3
                        else "Perfect",
                        "generation": {
                            "provider": "minimax",
                            "model": "video-01",
                            "seed": n * 10 + a,
                            "steps": 50,
                        },
                        "cost": 0.5,
                        "video": {
                            "url": f"https://cdn.example.com/takes/{n}-{a}.mp4",
                            "duration": 8.1,
                            "width": 1920,
                            "height": 1080,
                            "fps": 24,
                        },
                    }
                    for a in (1, 2, 3)
                ],
            }
        if entries:
            files[f"shots-{f:03d}.yaml"] = {"shotkit": 1, "workspace": "bench", "shots": entries}
    return files


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def write(directory: Path, files: dict[str, dict]) -> tuple[int, str]:
    size = 0
    for name, data in files.items():
        text = yamlio.dump(data)
        (directory / name).write_text(text, encoding="utf-8")
        size += len(text.encode())
    return size, json.dumps(files)


def validate(directory: Path) -> None:
    loaded = pipeline.load([directory])
    assert loaded.ok, loaded.problems[:3]


def billion_laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        lines.append(f"{chr(97 + i)}: &{chr(97 + i)} [" + ",".join([f"*{chr(96 + i)}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def reject(text: str) -> None:
    try:
        yamlio.parse(text)
    except yamlio.YamlFailure:
        return
    raise AssertionError("a billion-laughs file was accepted")


def peak_memory_mib(directory: Path) -> float:
    code = f"import resource; from shotkit import pipeline; from pathlib import Path; pipeline.load([Path({str(directory)!r})]); print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    return (
        int(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
        / 1024
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shots", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        rows = []
        for shots in (args.shots // 4, args.shots // 2, args.shots):
            directory = root / str(shots)
            directory.mkdir()
            size, as_json = write(directory, production(shots))
            texts = [p.read_text() for p in sorted(directory.glob("*.yaml"))]
            rows.append((shots, size, best(lambda d=directory: validate(d), args.repeat)))
        shots, size, shotkit_time = rows[-1]
        json_time = best(lambda: json.loads(as_json), args.repeat)
        rs_time = best(lambda: [yaml_rs.loads(t, parse_datetime=False) for t in texts], args.repeat)
        c_time = best(lambda: [yaml.load(t, Loader=yaml.CSafeLoader) for t in texts], 1)
        memory = peak_memory_mib(root / str(shots))
    print(f"production: {shots} shots, {len(texts)} files, {size / 1e6:.1f} MB of YAML")
    print(f"json.loads (same data)     {json_time:8.3f} s")
    print(f"PyYAML CSafeLoader         {c_time:8.3f} s")
    print(f"yaml_rs                    {rs_time:8.3f} s")
    print(
        f"shotkit validate (all)     {shotkit_time:8.3f} s   = {shotkit_time / json_time:.1f}x json.loads (target: <= 10x)"
    )
    print(f"peak memory (validate)     {memory:8.0f} MiB")
    laughs = billion_laughs()
    print(f"billion laughs rejected in {best(lambda: reject(laughs), args.repeat) * 1000:8.2f} ms")
    print("scaling (shots, seconds, microseconds per shot):")
    for n, _size, seconds in rows:
        print(f"  {n:6d}  {seconds:7.3f} s  {seconds / n * 1e6:7.1f} us/shot")


if __name__ == "__main__":
    main()
