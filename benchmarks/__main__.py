"""The performance benchmark of issue #9: every step beside its limit, in one run.

    python -m benchmarks [--shots 1000 10000] [--huge] [--markdown FILE] [--no-service]

For each size it writes the production of benchmarks/shape.py, starts from an empty
PostgreSQL 15 database (its own throwaway cluster, as the tests do, with pg_stat_statements
to count statements), and measures:

  limits   parse = json.loads of the same documents; write = COPY of the very rows into
           empty copies of the tables; read = a plain SELECT of the workspace's rows
  steps    through the real CLI, each in its own process: validate, first sync, plan with
           nothing to change, sync after editing one shot, export; wall time, ratio to its
           limit, peak memory (ru_maxrss of the child) and statements run
  service  the per-call AssetService path on a sample of shots, scaled to the size

plus `shotkit validate` of the demo (manifests/) against 0.25 s. --huge adds 100,000 shots.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
from pathlib import Path

from . import measure
from .report import Row, markdown, table


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shots", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--huge", action="store_true", help="also 100,000 shots (about an hour)")
    parser.add_argument("--markdown", type=Path, help="also write the table as Markdown here")
    parser.add_argument("--no-service", action="store_true", help="skip the per-call AssetService sample")
    parser.add_argument("--service-sample", type=int, default=50, help="shots in that sample")
    args = parser.parse_args()
    # Started in the background, a shell ignores SIGINT for us: restore it, and let SIGTERM
    # unwind too, so the throwaway cluster is always stopped.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    sizes = sorted(set(args.shots + ([100_000] if args.huge else [])))
    measure.compile_shotkit()
    rows: list[Row] = []
    cluster = measure.start_cluster()
    try:
        rows.append(measure.demo_validate())
        for shots in sizes:
            with tempfile.TemporaryDirectory(prefix="shotkit-bench-") as tmp:
                sample = 0 if args.no_service else args.service_sample
                done = measure.size(cluster, shots, Path(tmp), sample)
            rows.extend(done)
            print(table(done), file=sys.stderr, flush=True)  # this size's rows, as they come
    finally:
        cluster.stop()
    print(table(rows))
    if args.markdown:
        args.markdown.write_text(markdown(rows, measure.machine()), encoding="utf-8")


if __name__ == "__main__":
    main()
