"""Benchmark: plan, sync and export of the generated 10,000-shot production on PostgreSQL.

The last step renames 100 shots in the database and exports again (a runtime change).

    python -m benchmarks.sync [--shots 10000] [--database-url URL]

Without --database-url it starts a throwaway PostgreSQL cluster the way the tests do
(tests/pgcluster.py). The URL's user must be allowed to create a database.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from shotkit.cli import main as shotkit
from shotkit.db import normalise_url

from .validate import production, write


def timed(label: str, *args: str) -> None:
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = shotkit(list(args))
    print(f"{label:22s} {time.perf_counter() - start:7.2f} s   (exit {code})")


def run(server: str, shots: int) -> None:
    admin = sa.create_engine(normalise_url(server), isolation_level="AUTOCOMMIT")
    name = f"shotkit_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            directory = Path(tmp)
            size, _ = write(directory, production(shots))
            print(f"production: {shots} shots, {size / 1e6:.1f} MB of YAML")
            timed("db upgrade", "db", "upgrade", "--database-url", url)
            timed("plan (empty database)", "plan", str(directory), "--database-url", url)
            timed("sync (create all)", "sync", str(directory), "--database-url", url)
            timed("plan (no changes)", "plan", str(directory), "--database-url", url)
            timed("sync (no changes)", "sync", str(directory), "--database-url", url)
            timed("export", "export", "--database-url", url, "--out", str(directory))
            with sa.create_engine(
                normalise_url(url)
            ).begin() as connection:  # a runtime change: 100 shots renamed
                connection.exec_driver_sql(
                    "UPDATE assets SET name = name || ' (re-cut)' WHERE id IN "
                    "(SELECT id FROM assets WHERE type = 'shot' ORDER BY manifest_key LIMIT 100)"
                )
            timed("export (100 changed)", "export", "--database-url", url, "--out", str(directory))
            with sa.create_engine(normalise_url(url)).connect() as connection:
                rows = connection.exec_driver_sql(
                    "SELECT (SELECT count(*) FROM assets), (SELECT count(*) FROM asset_relationships)"
                ).one()
            print(f"rows: {rows[0]} assets, {rows[1]} relationships")
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shots", type=int, default=10_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    if args.database_url:
        run(args.database_url, args.shots)
        return
    from tests import pgcluster

    cluster = pgcluster.start()
    try:
        run(cluster.url, args.shots)
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
