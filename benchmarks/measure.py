"""What `python -m benchmarks` measures: the limits in-process, the steps as CLI children."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from shotkit import yamlio
from tests import pgcluster

from . import service, shape
from .report import Row

ROOT = Path(__file__).resolve().parent.parent
TABLES = ("assets", "asset_relationships")


def compile_shotkit() -> None:
    """shotkit's modules compiled to bytecode once, as installing a package does: the steps
    run shotkit from this checkout, and where PYTHONDONTWRITEBYTECODE is set (it is on this
    machine) each step would otherwise compile every module it imports again (30 ms of the
    demo's validate). Python reads bytecode that exists whatever that variable says."""
    import compileall

    compileall.compile_dir(str(ROOT / "shotkit"), quiet=1)


def start_cluster() -> pgcluster.Cluster:
    """The tests' throwaway cluster, restarted with pg_stat_statements loaded (statement counts)."""
    cluster = pgcluster.start()
    try:
        with psycopg.connect(_dsn(cluster, "postgres"), autocommit=True) as connection:
            connection.execute("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'")
        data, log = str(cluster.directory / "data"), str(cluster.directory / "server.log")
        cluster._run(str(cluster.bindir / "pg_ctl"), "-D", data, "-l", log, "-w", "-t", "60", "restart")
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _dsn(cluster: pgcluster.Cluster, database: str) -> str:
    return f"host=127.0.0.1 port={cluster.port} user=postgres dbname={database}"


def _url(cluster: pgcluster.Cluster, database: str) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:{cluster.port}/{database}"


def best(fn: Callable[[], Any], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def child(args: list[str], cwd: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + sys: steadier on a busy machine) and peak memory (MB)
    of one `python -m shotkit ...` process."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "shotkit", *args],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"},
    )
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 2):  # 2: plan found changes (with --detailed-exitcode)
        raise RuntimeError(
            f"shotkit {' '.join(args)} failed ({process.returncode}): {errors.decode()[-2000:]}"
        )
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def write_project(directory: Path, shots: int) -> str:
    """The manifests, as shotkit writes them; returns the same documents as one JSON text."""
    files = shape.production(shots)
    directory.mkdir(parents=True)
    (directory / "shotkit.yaml").write_text(
        f"workspace: {shape.WORKSPACE}\nowner: {shape.OWNER}\n", encoding="utf-8"
    )
    for name, data in files.items():
        (directory / name).write_text(yamlio.dump(data), encoding="utf-8")
    return json.dumps(files)


class Statements:
    """Statements the server ran in one database, from pg_stat_statements."""

    def __init__(self, dsn: str) -> None:
        self.connection = psycopg.connect(dsn, autocommit=True)
        self.connection.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")

    def reset(self) -> None:
        self.connection.execute("SELECT pg_stat_statements_reset()")

    def count(self) -> int:
        row = self.connection.execute(
            "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
            "WHERE d.datname = current_database() AND s.query NOT LIKE '%pg_stat_statements%'"
        ).fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        self.connection.close()


def step(
    project: Path,
    statements: Statements,
    label: str,
    args: list[str],
    shots: int,
    repeat: int = 1,
    **row: Any,
) -> Row:
    """One step's child process. `repeat`: a step that changes nothing (validate, a no-op plan)
    runs that many times and its fastest run counts, as the limits' best of 3 do (the ratio
    then compares like with like); its peak memory is the largest of the runs."""
    runs = []
    for _ in range(repeat):
        statements.reset()
        runs.append((*child(args, project), statements.count()))
    seconds, cpu, _, count = min(runs)
    memory = max(run[2] for run in runs)
    print(f"  {label}: {seconds:.2f} s ({cpu:.2f} s CPU)", file=sys.stderr, flush=True)
    return Row(shots, label, seconds, cpu=cpu, memory_mb=memory, statements=count, **row)


def write_limit(dsn: str, temporary: bool = False) -> float:
    """COPY of the very rows the sync wrote into empty copies of the tables, in one
    transaction; best of 3. The copies are ordinary tables with the same columns, defaults,
    indexes and unique constraints, and the links' two foreign keys to the copy of the assets:
    what any write of these rows must pay (WAL, index upkeep, the foreign-key checks).
    `temporary`: the first rounds' cheaper measure instead, temporary tables (no WAL) and no
    foreign keys, kept as a reference row."""
    with psycopg.connect(dsn) as connection:
        data = {}
        for name in TABLES:
            with connection.cursor().copy(f"COPY {name} TO STDOUT (FORMAT binary)") as copy:
                data[name] = b"".join(bytes(block) for block in copy)
        connection.rollback()
        kind = "TEMP TABLE" if temporary else "TABLE"

        def load() -> None:
            for name in TABLES:
                connection.execute(f"CREATE {kind} copy_{name} (LIKE {name} INCLUDING ALL)")
            if not temporary:
                for end in ("parent", "child"):
                    connection.execute(
                        f"ALTER TABLE copy_asset_relationships ADD FOREIGN KEY ({end}_asset_id) "
                        "REFERENCES copy_assets (id) ON DELETE CASCADE"
                    )
            for name in TABLES:
                with connection.cursor().copy(f"COPY copy_{name} FROM STDIN (FORMAT binary)") as copy:
                    copy.write(data[name])
            connection.commit()
            for name in reversed(TABLES):
                connection.execute(f"DROP TABLE copy_{name}")
            connection.commit()

        return best(load)


def read_limit(dsn: str) -> float:
    """A plain SELECT of the workspace's rows, fetched and decoded by psycopg; best of 3."""
    with psycopg.connect(dsn) as connection:

        def read() -> None:
            for name in TABLES:
                connection.execute(
                    f"SELECT * FROM {name} WHERE workspace_id = %s", [shape.WORKSPACE]
                ).fetchall()
            connection.rollback()

        return best(read)


def edit_one_shot(project: Path) -> None:
    path = project / "shots-0000.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("name: Scene 7 - Confrontation", "name: Scene 7 - Recut", 1), encoding="utf-8"
    )


def size(cluster: pgcluster.Cluster, shots: int, tmp: Path, sample: int) -> list[Row]:
    print(f"{shots:,} shots", file=sys.stderr, flush=True)
    project = tmp / "project"
    documents = write_project(project, shots)
    parse = best(lambda: json.loads(documents))
    name = f"bench_{shots}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(_dsn(cluster, "postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url, dsn = _url(cluster, name), _dsn(cluster, name)
    statements = Statements(dsn)
    try:
        child(["db", "upgrade", "--database-url", url], project)
        return steps(project, url, dsn, statements, shots, parse, sample)
    finally:
        statements.close()
        with psycopg.connect(_dsn(cluster, "postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def steps(
    project: Path, url: str, dsn: str, statements: Statements, shots: int, parse: float, sample: int
) -> list[Row]:
    db = ["--database-url", url]
    rows = [
        step(
            project,
            statements,
            "validate",
            ["validate", "."],
            shots,
            repeat=_repeat(shots),
            limit="parse",
            limit_seconds=parse,
            target=5,
        )
    ]
    sync = step(project, statements, "first sync", ["sync", ".", *db], shots)
    check_counts(dsn, shots)
    write, read = write_limit(dsn), read_limit(dsn)
    temporary = write_limit(dsn, temporary=True)
    sync.limit, sync.limit_seconds, sync.target = "parse+write", parse + write, 2
    plan = step(
        project,
        statements,
        "plan, no change",
        ["plan", ".", *db],
        shots,
        repeat=_repeat(shots),
        limit="parse+read",
    )
    plan.limit_seconds, plan.target = parse + read, 1.5
    edit_one_shot(project)
    edited = step(project, statements, "sync, one shot edited", ["sync", ".", *db], shots, limit="no-op plan")
    edited.limit_seconds, edited.target = plan.seconds, 1.2
    out = project.parent / "export"
    shutil.copytree(project, out)
    export = step(
        project, statements, "export", ["export", *db, "--out", str(out)], shots, limit="parse+read"
    )
    export.limit_seconds = parse + read
    rows += [sync, plan, edited, export]
    rows.append(Row(shots, "limit: parse (json.loads)", parse))
    rows.append(Row(shots, "limit: write (COPY into copies of the tables)", write))
    rows.append(Row(shots, "for reference: COPY into temporary tables, no foreign keys", temporary))
    rows.append(Row(shots, "limit: read (SELECT)", read))
    if sample:
        per_shot = service.per_shot(url, sample)
        rows.append(
            Row(
                shots,
                f"AssetService per call (from {sample} shots)",
                per_shot * shots,
                limit="first sync",
                limit_seconds=sync.seconds,
            )
        )
    return rows


def _repeat(shots: int) -> int:
    """Best of 3 for the repeatable steps, as for the limits; once at 100,000 shots (a no-op
    plan there takes a minute)."""
    return 3 if shots <= 10_000 else 1


def check_counts(dsn: str, shots: int) -> None:
    """The first sync made exactly the production: a benchmark of a wrong result is no benchmark."""
    with psycopg.connect(dsn) as connection:
        found = tuple(
            int(connection.execute(f"SELECT count(*) FROM {name}").fetchone()[0])  # type: ignore[index]
            for name in TABLES
        )
    if found != shape.expected_counts(shots):
        raise RuntimeError(
            f"first sync made {found} (assets, links), expected {shape.expected_counts(shots)}"
        )


def demo_validate() -> Row:
    """`shotkit validate manifests` in the repository, best of 5 wall times (pre-commit's case)."""
    runs = [child(["validate", "manifests"], ROOT) for _ in range(5)]
    seconds, cpu, memory = min(runs)
    return Row(0, "validate (demo, wall)", seconds, cpu=cpu, target=0.25, memory_mb=memory)


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        (
            line.split()[1]
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        "0",
    )
    server = subprocess.run(
        [str(pgcluster.find_bindir() / "postgres"), "--version"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return (
        f"Machine: {os.cpu_count()} CPUs ({cpu}), {int(memory) / 1024 / 1024:.1f} GiB RAM, {server}, "
        f"Python {platform.python_version()}"
    )
