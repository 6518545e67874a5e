"""Benchmark: `shotkit export` of the generated 10,000-shot production, against a baseline.

    python -m benchmarks.export [--shots 10000] [--repeat 3] [--baseline DIR] [--database-url URL]

It syncs the production once into PostgreSQL, then times, alternately, this checkout's export
and (with --baseline) the export of another shotkit source tree (e.g. `git archive` of an older
commit unpacked into DIR), each in its own process, on the same database and a fresh copy of
the same files: export right after sync (nothing to change), and export after 100 shots were
renamed in the database. It prints the best wall-clock time, the best CPU time (user + sys
of the export process) and the lowest peak memory of --repeat runs; CPU time is the steadier number on a busy machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from shotkit.db import normalise_url

from .validate import production, write

HERE = Path(__file__).resolve().parent.parent
RENAME = (
    "UPDATE assets SET name = name || ' (re-cut)' WHERE id IN "
    "(SELECT id FROM assets WHERE type = 'shot' ORDER BY manifest_key LIMIT 100)"
)


def run_export(source: Path, url: str, folder: Path) -> tuple[float, float, float]:
    """Wall and CPU seconds and peak memory (MB) of one export run by the shotkit in `source`."""
    env = {**os.environ, "PYTHONPATH": str(source)}
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "shotkit", "export", "--database-url", url, "--out", str(folder)],
        cwd=source,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)  # this process's own usage, its peak included
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(f"export failed ({source}): {errors.decode()[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def measure(sources: dict[str, Path], url: str, pristine: Path, work: Path, repeat: int, label: str) -> None:
    inf = float("inf")
    best: dict[str, tuple[float, float, float]] = {name: (inf, inf, inf) for name in sources}
    for _ in range(repeat):
        for name, source in sources.items():
            shutil.rmtree(work, ignore_errors=True)
            shutil.copytree(pristine, work)
            run = run_export(source, url, work)
            best[name] = (min(best[name][0], run[0]), min(best[name][1], run[1]), min(best[name][2], run[2]))
    for name, (wall, cpu, peak) in best.items():
        print(f"{label:28s} {name:10s} wall {wall:6.2f} s   cpu {cpu:6.2f} s   peak {peak:5.0f} MB")


def run(server: str, shots: int, repeat: int, baseline: Path | None) -> None:
    admin = sa.create_engine(normalise_url(server), isolation_level="AUTOCOMMIT")
    name = f"shotkit_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    sources = {"this": HERE, **({"baseline": baseline.resolve()} if baseline else {})}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            pristine = Path(tmp) / "pristine"
            pristine.mkdir()
            size, _ = write(pristine, production(shots))
            print(f"production: {shots} shots, {size / 1e6:.1f} MB of YAML; best of {repeat}")
            for args in (["db", "upgrade"], ["sync", str(pristine)]):
                subprocess.run(
                    [sys.executable, "-m", "shotkit", *args, "--database-url", url],
                    cwd=HERE,
                    check=True,
                    capture_output=True,
                )
            measure(sources, url, pristine, Path(tmp) / "work", repeat, "export (nothing changed)")
            with sa.create_engine(normalise_url(url)).begin() as connection:
                connection.exec_driver_sql(RENAME)
            measure(sources, url, pristine, Path(tmp) / "work", repeat, "export (100 shots renamed)")
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shots", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="another shotkit source tree to compare with")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    if args.database_url:
        run(args.database_url, args.shots, args.repeat, args.baseline)
        return
    from tests import pgcluster

    cluster = pgcluster.start()
    try:
        run(cluster.url, args.shots, args.repeat, args.baseline)
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
