"""`python -m bench`: the benchmark of issue 9 (see bench/README.md).

python -m bench              # quick: 1M messages, minutes
python -m bench --full       # 10M messages for the scaling workload, 1M-row bulk import
python -m bench --smoke      # tiny counts, seconds (what CI runs); no chart
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import signal
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Plan:
    mode: str
    sizes: Any
    rounds: int
    calls_scale: float  # multiplies each workload's calls per chunk at 1 client
    min_calls: int
    clients: tuple[int, ...]
    scales: tuple[int, ...]
    bulk_rows: int
    row_by_row: int
    model_rows: tuple[int, ...]
    model_budget_s: float
    pgbench_s: int


def plan_for(args: argparse.Namespace) -> Plan:
    from bench import dataset

    if args.smoke:
        return Plan("smoke", dataset.SMOKE, 2, 0.0, 6, (1, 2), (1_000, 3_000), 2_000, 200,
                    (100, 1_000), 0.05, 1)  # fmt: skip
    if args.full:
        return Plan("full", dataset.QUICK, 10, 0.8, 8, (1, 8), (10_000, 1_000_000, 10_000_000),
                    1_000_000, 50_000, (100, 10_000), 1.0, 3)  # fmt: skip
    return Plan("quick", dataset.QUICK, 7, 0.7, 8, (1, 8), (10_000, 1_000_000), 200_000,
                20_000, (100, 10_000), 0.5, 3)  # fmt: skip


def _optional(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--smoke", action="store_true", help="tiny counts: checks the harness works")
    size.add_argument("--full", action="store_true", help="10M messages and a 1M-row import")
    parser.add_argument("--out", type=Path, default=None, help="results JSON (bench/results.json)")
    parser.add_argument("--chart", type=Path, default=None, help="PNG chart (bench/chart.png)")
    parser.add_argument("--profile", action="store_true", help="pyinstrument into bench/out/")
    parser.add_argument("--only", default="", help="comma-separated per-call workload keys")
    parser.add_argument(
        "--pin", action="store_true", help="client and server on separate cores (make bench PIN=1)"
    )
    args = parser.parse_args(argv)
    # SIGTERM (a cancelled CI job, `kill`) unwinds like Ctrl-C: the scratch databases are dropped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    from bench import pinning
    from bench.harness import Progress
    from chatdb_tools import target

    plan = plan_for(args)
    out = args.out or HERE / "results.json"
    chart_path = args.chart or (None if args.smoke else HERE / "chart.png")
    resolved = target.resolve()
    started = time.perf_counter()
    progress = Progress(60)
    results: dict[str, Any] = {"mode": plan.mode, "started": datetime.now(UTC).isoformat()}
    print(f"chatdb bench ({plan.mode}) on {resolved.describe()}", file=sys.stderr)
    with pinning.pinned(resolved.url, enabled=args.pin) as pin:
        print(f"cores: {pin['note']}", file=sys.stderr)
        results["pinning"] = pin
        return _run(args, plan, resolved, results, started, progress, out, chart_path)


def _run(
    args: argparse.Namespace,
    plan: Plan,
    resolved: Any,
    results: dict[str, Any],
    started: float,
    progress: Any,
    out: Path,
    chart_path: Path | None,
) -> int:
    from bench import bulk, dataset, explain, modelbuild, percall, report, scaling, server
    from bench import runtime_cost as cost
    from bench.workloads import ALL
    from chatdb import dburl

    progress.stage("pgbench -S (the server's limit)")
    results["pgbench"] = server.run(resolved.url, plan.pgbench_s)
    progress.tick()

    progress.stage("scratch database: roles, migrations, seed")
    with dataset.scratch(resolved.url) as url:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            # Commit latency (fsync on a shared VM disk) would drown the layers' costs in
            # noise; every variant runs with the same setting.
            conn.execute(f"ALTER DATABASE {dburl.database_name(url)} SET synchronous_commit = off")
            server_version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
        results["machine"] = report.machine(f"PostgreSQL {server_version}", resolved.source)
        data = dataset.seed(url, plan.sizes)
        progress.tick()

        scale_points = []
        for n in plan.scales:
            progress.stage(f"growing messages to {n:,}")
            dataset.grow(data, n)
            scale_points.append(scaling.measure(data, 200 if not args.smoke else 5, progress))
            if n == plan.scales[min(1, len(plan.scales) - 1)]:
                # >= 1M (quick/full): the index check and every per-call workload run here.
                cells, titles = _per_call(url, data, plan, args, progress, percall, ALL)
                progress.stage("EXPLAIN check (natural plans)")
                findings = explain.check(data)
                progress.tick()
                models = modelbuild.run(data, plan.model_rows, plan.model_budget_s, progress)
                bulk_results = bulk.run(
                    url, data, plan.bulk_rows, plan.row_by_row, progress, rounds=plan.rounds
                )
                progress.stage("runtime cost per statement (chatdb cursor vs psycopg's)")
                results["runtime_cost"] = cost.run(
                    url, rounds=3 if args.smoke else 15, calls=50 if args.smoke else 400
                )
                progress.tick()
                progress.stage("read cache (Redis): cached vs uncached, interleaved")
                results["cache"] = _cache_bench(url, smoke=args.smoke)
                progress.tick()
                if args.profile:
                    from bench import profiling

                    progress.stage("pyinstrument")
                    profiling.run(data, HERE / "out")
        results["messages_in_table"] = data.total_messages
    progress.close()

    targets = report.evaluate(
        cells, bulk_results, scale_points, {"runtime_cost": results.get("runtime_cost")},
        results.get("cache"),
    )  # fmt: skip
    results["finished"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["per_call"] = [
        {
            "workload": c.workload,
            "title": titles[c.workload],
            "mode": c.mode,
            "clients": c.clients,
            "stats": {
                name: {
                    **s.as_dict(),
                    "ratio": _r(report.ratio(c, name, _base(c))),
                    "ratio_iqr": [_r(q) for q in report.ratio_spread(c, name, _base(c))],
                }
                for name, s in c.stats.items()
            },
            "skipped": c.skipped,
        }
        for c in cells
    ]
    results["bulk"] = [
        {"name": b.name, "rows": b.rows, "seconds": round(b.seconds, 3),
         "rows_per_s": round(b.rows_per_s), "us_per_row": round(b.us_per_row, 3),
         "round_seconds": [round(x, 4) for x in b.round_seconds]}
        for b in bulk_results
    ]  # fmt: skip
    results["scaling"] = [s.as_dict() for s in scale_points]
    results["model_building"] = models
    results["explain"] = [f.__dict__ for f in findings]
    results["targets"] = targets
    pg = results["pgbench"]
    raw_point = next(
        (c.stats["psycopg"].median_us for c in cells
         if c.workload == "get_user_by_id" and c.mode == "sync" and c.clients == 1), None,
    )  # fmt: skip
    if "latency_us" in pg and raw_point:
        pg["ratio_to_psycopg_point_read"] = round(pg["latency_us"] / raw_point, 3)

    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    table_md = out.with_suffix(".md") if args.out else HERE / "out" / "table.md"
    table_md.parent.mkdir(parents=True, exist_ok=True)
    table_md.write_text(report.markdown(results) + "\n")
    if plan.mode != "smoke" and args.out is None:
        # The READMEs show the latest real run (never a smoke run's tiny counts).
        report.replace_section(HERE / "README.md", report.markdown(results))
        report.replace_section(HERE.parent / "README.md", report.summary_markdown(results))
    if chart_path is not None:
        if _optional("matplotlib"):
            from bench import chart

            chart.draw(results, chart_path)
        else:
            print("chart: skipped: matplotlib not installed", file=sys.stderr)

    print(report.table(cells, titles))
    print()
    _print_extras(results)
    print()
    print(report.targets_text(targets))
    print(f"\nwrote {out}" + (f" and {chart_path}" if chart_path else "") +
          f" in {results['seconds']} s")  # fmt: skip
    return 0


def _cache_bench(url: str, *, smoke: bool) -> dict[str, Any]:
    """The Redis read cache (issue 10): cached vs uncached median, and the hit rate."""
    import os

    from chatdb import Database
    from chatdb.cache.bench import bench_cached_read

    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        import redis

        redis.Redis.from_url(redis_url, socket_timeout=0.5).ping()
    except Exception as exc:
        return {"skipped": f"no Redis at {redis_url}: {exc.__class__.__name__}"}
    with Database(url, pool_min_size=1, pool_max_size=2) as db:
        result = bench_cached_read(
            db, redis_url=redis_url, reads=60 if smoke else 3000, distinct=10 if smoke else 50
        )
    return {**result, "target_speedup": 5.0, "met": result["speedup"] >= 5.0}


def _base(c: Any) -> str:
    return "psycopg" if c.mode == "sync" else "psycopg async"


def _r(x: float) -> float | None:
    return None if x != x else round(x, 3)


def _per_call(
    url: str,
    data: Any,
    plan: Plan,
    args: argparse.Namespace,
    progress: Any,
    percall: Any,
    workloads: list[Any],
) -> tuple[list[Any], dict[str, str]]:
    from bench.workloads import Workload

    cells = []
    titles: dict[str, str] = {}
    only = {k for k in args.only.split(",") if k}
    built: list[Workload] = [make(data) for make in workloads]
    built = [w for w in built if not only or w.key in only]
    progress.stage("per-call workloads", len(built) * len(plan.clients) * 2 * (plan.rounds + 1))
    for w in built:
        titles[w.key] = w.title
        for clients in plan.clients:
            calls = max(
                plan.min_calls,
                int(w.calls * plan.calls_scale / (clients**0.5 * 1.5 if clients > 1 else 1)),
            )
            progress.stage(f"{w.title}: sync, {clients} client(s)")
            cells.append(percall.run_sync_cell(url, w, clients, plan.rounds, calls, progress))
            progress.stage(f"{w.title}: async, {clients} client(s)")
            cells.append(percall.run_async_cell(url, w, clients, plan.rounds, calls, progress))
    return cells, titles


def _print_extras(results: dict[str, Any]) -> None:
    from bench import report, runtime_cost

    if results.get("runtime_cost"):
        print(runtime_cost.text(results["runtime_cost"]))

    if results.get("cache"):
        print(report.cache_text(results["cache"]))
    pg = results["pgbench"]
    if "latency_us" in pg:
        print(f"pgbench -S -M prepared -c 1: {pg['latency_us']:.1f} µs per select "
              f"({pg['tps']:,.0f} tps); x raw psycopg point read: "
              f"{pg.get('ratio_to_psycopg_point_read', '-')}")  # fmt: skip
    else:
        print(f"pgbench: {pg.get('skipped')}")
    print("\nbulk import of messages (each in a rolled-back transaction):")
    for b in results["bulk"]:
        print(f"  {b['name']:52} {b['rows']:>9,} rows {b['rows_per_s']:>10,} rows/s "
              f"{b['us_per_row']:>8.2f} µs/row")  # fmt: skip
    print("\nkeyset vs OFFSET (page of 50 from the middle of the deep chat, median µs):")
    for s in results["scaling"]:
        print(f"  {s['table_rows']:>11,} messages (deep chat {s['deep_chat_rows']:,}): "
              f"keyset generated {s['keyset_generated_us']:>8.1f}  psycopg "
              f"{s['keyset_psycopg_us']:>8.1f}  OFFSET {s['offset']:,}: {s['offset_us']:>10.1f}")  # fmt: skip
    print("\nmodel building (messages rows):")
    for m in results["model_building"]:
        print(f"  {m['rows']:>6,} rows {m['row_type']:20} build {m['build_us_per_row']:>7.2f} µs/row"
              f"  fetch {m['fetch_us']:>10.1f} µs  x tuple {m['fetch_ratio_to_tuple']:.2f}")  # fmt: skip
    print("\nEXPLAIN check (seq scans on tables >= 10k rows; hot path must have none):")
    bad = [f for f in results["explain"] if f["seq_scans"]]
    errors = [f for f in results["explain"] if f["error"]]
    print(f"  {len(results['explain'])} statements explained, {len(bad)} with a large seq scan, "
          f"{len(errors)} not explainable")  # fmt: skip
    for f in bad:
        print(
            f"  {'HOT ' if f['hot'] else '    '}{f['module']}.{f['query']}: {', '.join(f['seq_scans'])}"
        )
    for f in errors:
        print(f"  error {f['module']}.{f['query']}: {f['error']}")


if __name__ == "__main__":
    raise SystemExit(main())
