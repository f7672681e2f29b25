"""The results: the table printed at the end, the targets of issue 9, results.json."""

from __future__ import annotations

import math
import os
import platform
from pathlib import Path
from typing import Any, Final

from bench.harness import Cell

TARGETS_TEXT = {
    "one": "generated :one <= 1.10x raw psycopg per call (async vs raw async psycopg)",
    "many": "generated :many of 50 jsonb rows <= 1.0x raw psycopg (default settings)",
    "many_asyncpg": "generated :many of 50 jsonb rows within 1.8x of raw asyncpg",
    "orm": ">= 2.5x faster than SQLAlchemy ORM, same queries",
    "core": ">= 1.6x faster than SQLAlchemy Core, same queries",
    "copy_many": ":copyfrom >= 4x executemany (rows/s)",
    "copy_row": ":copyfrom >= 30x row-by-row inserts (rows/s)",
    "keyset": "keyset page at the largest table within 1.2x of 10k rows",
    "flow": "credit-consume transaction (flow) <= 1.3x the same statements on raw psycopg",
    "cache": "read cache: uncached median >= 5x the cached median (issue 10)",
}


def machine(server_version: str, source: str) -> dict[str, Any]:
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import psycopg

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "psycopg": psycopg.__version__,
        "server": server_version,
        "database": source,
    }


def ratio(cell: Cell, variant: str, baseline: str) -> float:
    a, b = cell.stats.get(variant), cell.stats.get(baseline)
    if a is None or b is None or not b.median_us:
        return math.nan
    return a.median_us / b.median_us


def _cell(cells: list[Cell], key: str, mode: str, clients: int = 1) -> Cell | None:
    return next(
        (c for c in cells if c.workload == key and c.mode == mode and c.clients == clients), None
    )


def _verdict(value: float, limit: float, *, at_most: bool) -> str:
    if math.isnan(value):
        return "n/a"
    ok = value <= limit if at_most else value >= limit
    return "pass" if ok else "miss"


def evaluate(
    cells: list[Cell],
    bulk: list[Any],
    scale: list[Any],
    flags: dict[str, Any],
    cache: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """One entry per (target, subject): measured value, limit, pass/miss."""
    out: list[dict[str, Any]] = []

    def add(target: str, subject: str, value: float, limit: float, *, at_most: bool) -> None:
        out.append({
            "target": target, "text": TARGETS_TEXT[target], "subject": subject,
            "value": None if math.isnan(value) else round(value, 3), "limit": limit,
            "result": _verdict(value, limit, at_most=at_most),
        })  # fmt: skip

    for key in ("get_user_by_id", "get_session_and_user"):
        for mode, base, variants in (
            ("sync", "psycopg", ("generated", "chatdb.Database")),
            ("async", "psycopg async", ("generated async", "chatdb.AsyncDatabase")),
        ):
            cell = _cell(cells, key, mode)
            if cell:
                for v in variants:
                    add("one", f"{key} {v}", ratio(cell, v, base), 1.10, at_most=True)
    page = _cell(cells, "list_messages_by_chat", "sync")
    if page:
        for v in ("chatdb.Database", "generated"):
            add("many", f"list_messages_by_chat {v}", ratio(page, v, "psycopg"), 1.0, at_most=True)
    apage = _cell(cells, "list_messages_by_chat", "async")
    if apage:
        add("many", "list_messages_by_chat chatdb.AsyncDatabase",
            ratio(apage, "chatdb.AsyncDatabase", "psycopg async"), 1.0, at_most=True)  # fmt: skip
        for pg in ("asyncpg", "asyncpg+orjson"):
            add("many_asyncpg", f"chatdb.AsyncDatabase vs {pg}",
                ratio(apage, "chatdb.AsyncDatabase", pg), 1.8, at_most=True)  # fmt: skip
    for key in ("get_user_by_id", "get_session_and_user", "list_messages_by_chat",
                "insert_message"):  # fmt: skip
        cell = _cell(cells, key, "sync")
        if cell:
            add("orm", f"{key}: ORM / chatdb.Database",
                ratio(cell, "SQLAlchemy ORM", "chatdb.Database"), 2.5, at_most=False)  # fmt: skip
            add("core", f"{key}: Core / chatdb.Database",
                ratio(cell, "SQLAlchemy Core", "chatdb.Database"), 1.6, at_most=False)  # fmt: skip
    by = {b.name: b for b in bulk}
    copy = by.get(":copyfrom (generated, chatdb.Database)")
    many = by.get("psycopg executemany (pipelined)")
    row = by.get("psycopg row by row")
    if copy and many:
        add("copy_many", ":copyfrom / executemany", copy.rows_per_s / many.rows_per_s, 4.0,
            at_most=False)  # fmt: skip
    if copy and row:
        add("copy_row", ":copyfrom / row by row", copy.rows_per_s / row.rows_per_s, 30.0,
            at_most=False)  # fmt: skip
    if len(scale) >= 2:
        small, big = scale[0], scale[-1]
        add("keyset", f"generated keyset {big.table_rows:,} / {small.table_rows:,} rows",
            big.keyset_generated_us / small.keyset_generated_us, 1.2, at_most=True)  # fmt: skip
    for mode, base, v in (("sync", "psycopg", "chatdb.Database"),
                          ("async", "psycopg async", "chatdb.AsyncDatabase")):  # fmt: skip
        cell = _cell(cells, "consume_credits", mode)
        if cell:
            add("flow", f"consume_credits {v}", ratio(cell, v, base), 1.3, at_most=True)
    headline = (cache or {}).get("workloads", {}).get((cache or {}).get("headline", ""))
    if headline:
        add("cache", f"{headline['title']}: uncached / cached", headline["speedup"], 5.0,
            at_most=False)  # fmt: skip
    return out


def cache_text(cache: dict[str, Any]) -> str:
    """The read cache section of the printed report: one row per workload."""
    if "workloads" not in cache:
        return f"read cache: {cache.get('skipped', 'not run')}"
    lines = [
        f"read cache (interleaved, cold start, Zipf-like ids; {cache['reads']:.0f} reads over "
        f"{cache['distinct_keys']:.0f} keys per workload):",
        f"  {'workload':42} {'uncached ms':>11} {'cached ms':>9} {'p95 cached':>10} "
        f"{'speedup':>7} {'hit rate':>8}",
    ]
    for w in cache["workloads"].values():
        lines.append(
            f"  {w['title'][:42]:42} {w['uncached_median_ms']:>11.3f} "
            f"{w['cached_median_ms']:>9.3f} {w['cached_p95_ms']:>10.3f} "
            f"{w['speedup']:>6.1f}x {w['hit_rate']:>8.1%}"
        )
    return "\n".join(lines)


def _fmt(x: float, digits: int = 0) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:,.{digits}f}"


def table(cells: list[Cell], titles: dict[str, str]) -> str:
    lines = [
        f"{'workload':44} {'mode':5} {'cl':>2} {'variant':22} {'median µs':>10} {'p95 µs':>9} "
        f"{'× raw':>6} {'ops/s':>8}",
        "-" * 114,
    ]
    for c in cells:
        base = "psycopg" if c.mode == "sync" else "psycopg async"
        for name, s in c.stats.items():
            r = ratio(c, name, base)
            lines.append(
                f"{titles.get(c.workload, c.workload)[:44]:44} {c.mode:5} {c.clients:>2} "
                f"{name:22} {_fmt(s.median_us, 1):>10} {_fmt(s.p95_us, 1):>9} "
                f"{_fmt(r, 2):>6} {_fmt(s.ops_per_s):>8}"
            )
        for name, why in c.skipped.items():
            lines.append(
                f"{titles.get(c.workload, c.workload)[:44]:44} {c.mode:5} {c.clients:>2} "
                f"{name:22} {why}"
            )
    return "\n".join(lines)


def targets_text(targets: list[dict[str, Any]]) -> str:
    lines = [f"{'target':60} {'subject':48} {'value':>7} {'limit':>6} result", "-" * 130]
    for t in targets:
        lines.append(
            f"{t['text'][:60]:60} {t['subject'][:48]:48} {_fmt(t['value'] or math.nan, 2):>7} "
            f"{t['limit']:>6} {t['result']}"
        )
    return "\n".join(lines)


def markdown(results: dict[str, Any]) -> str:
    """The README table: 1-client rows, sync and async, plus bulk, scaling and targets."""
    m = results["machine"]
    out = [
        f"Last run: {results['mode']} mode, {results['finished']}, {m['cpu']} ({m['cores']} cores), "
        f"{m['os']}, Python {m['python']}, psycopg {m['psycopg']}, {m['server']} "
        f"({m['database']}). Ratios are to raw psycopg in the same run; 1 client shown, "
        "8 clients in bench/results.json.",
        "",
        "| workload | mode | clients | variant | median µs | p95 µs | × raw psycopg |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in results["per_call"]:
        if c["clients"] != 1:
            continue  # the 8-client rows are in results.json
        for name, s in c["stats"].items():
            out.append(
                f"| {c['title']} | {c['mode']} | {c['clients']} | {name} | "
                f"{_fmt(s['median_us'], 1)} | {_fmt(s['p95_us'], 1)} | "
                f"{_fmt(s.get('ratio', math.nan), 2)} |"
            )
        for name, why in c["skipped"].items():
            out.append(f"| {c['title']} | {c['mode']} | {c['clients']} | {name} | {why} | | |")
    out += ["", "| bulk import | rows | rows/s | µs/row |", "|---|---|---|---|"]
    for b in results["bulk"]:
        out.append(
            f"| {b['name']} | {b['rows']:,} | {_fmt(b['rows_per_s'])} | {_fmt(b['us_per_row'], 2)} |"
        )
    out += ["", "| messages in table | keyset (generated) µs | keyset (psycopg) µs | OFFSET µs |",
            "|---|---|---|---|"]  # fmt: skip
    for s in results["scaling"]:
        out.append(
            f"| {s['table_rows']:,} | {_fmt(s['keyset_generated_us'], 1)} | "
            f"{_fmt(s['keyset_psycopg_us'], 1)} | {_fmt(s['offset_us'], 1)} (OFFSET {s['offset']:,}) |"
        )
    cache = results.get("cache", {})
    if "workloads" in cache:
        out += ["", "| read cache (median) | uncached ms | cached ms | speedup | hit rate |",
                "|---|---|---|---|---|"]  # fmt: skip
        for w in cache["workloads"].values():
            out.append(
                f"| {w['title']} | {w['uncached_median_ms']:.3f} | {w['cached_median_ms']:.3f} "
                f"| {w['speedup']:.1f}x | {w['hit_rate']:.1%} |"
            )
    out += ["", "| target | subject | measured | limit | result |", "|---|---|---|---|---|"]
    for t in results["targets"]:
        out.append(
            f"| {t['text']} | {t['subject']} | {_fmt(t['value'] or math.nan, 2)} | "
            f"{t['limit']} | {t['result']} |"
        )
    pg = results.get("pgbench", {})
    if "latency_us" in pg:
        out += ["", f"pgbench select-only (the server's limit): {pg['latency_us']:.1f} µs per "
                f"prepared primary-key select, {pg.get('ratio_to_psycopg_point_read', math.nan):.2f}× "
                "raw psycopg's point read."]  # fmt: skip
    explained = results.get("explain", [])
    if explained:
        scans = [e["query"] for e in explained if e["seq_scans"]]
        failed = [e["query"] for e in explained if e["error"]]
        # The check runs at the second scale point (>= 1M messages in quick and full mode).
        points = results.get("scaling", [])
        at = points[min(1, len(points) - 1)]["table_rows"] if points else 0
        out += ["", f"EXPLAIN check on {at:,} messages, natural "
                f"plans: {len(explained)} generated statements explained; sequential scans of a "
                f"large table: {', '.join(scans) or 'none'}; failed to plan: "
                f"{', '.join(failed) or 'none'}."]  # fmt: skip
    return "\n".join(out)


_VARIANTS = {
    "sync": ("generated", "chatdb.Database", "SQLAlchemy Core", "SQLAlchemy ORM"),
    "async": ("generated async", "chatdb.AsyncDatabase", "asyncpg"),
}


def summary_markdown(results: dict[str, Any]) -> str:
    """The top-level README's view of a run: the machine, one row per workload with each
    contender's ratio to raw psycopg (1 client), the cache and the targets met/missed."""
    m = results["machine"]
    out = [
        f"{results['mode'].capitalize()} run of {results['finished']} on {m['cpu']} "
        f"({m['cores']} cores), {m['os']}, Python {m['python']}, psycopg {m['psycopg']}, "
        f"{m['server']} ({m['database']}); {results.get('messages_in_table', 0):,} messages "
        "in the table. × raw psycopg (sync) or raw async psycopg (async), median of 1 client; "
        "lower is faster. Full table: [bench/README.md](bench/README.md).",
        "",
        "| workload | mode | raw µs | generated | chatdb runtime | SQLAlchemy Core | "
        "SQLAlchemy ORM | asyncpg |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in results["per_call"]:
        if c["clients"] != 1:
            continue
        base = "psycopg" if c["mode"] == "sync" else "psycopg async"
        stats = c["stats"]
        raw = stats.get(base, {}).get("median_us", math.nan)
        names = _VARIANTS[c["mode"]]
        if c["mode"] == "sync":
            cols = [names[0], names[1], names[2], names[3], ""]
        else:
            cols = [names[0], names[1], "", "", names[2]]
        cells = [
            _fmt(stats[n].get("ratio", math.nan), 2) + "×" if n and n in stats else "" for n in cols
        ]
        out.append(f"| {c['title']} | {c['mode']} | {_fmt(raw, 0)} | " + " | ".join(cells) + " |")
    cache = results.get("cache", {})
    if "workloads" in cache:
        w = cache["workloads"][cache["headline"]]
        out += ["", f"Read cache, {w['title']}: {w['uncached_median_ms']:.2f} ms uncached, "
                f"{w['cached_median_ms']:.2f} ms cached ({w['speedup']:.1f}×, hit rate "
                f"{w['hit_rate']:.0%})."]  # fmt: skip
    targets = results["targets"]
    missed = [t for t in targets if t["result"] != "pass"]
    out += ["", f"Targets: {len(targets) - len(missed)} of {len(targets)} met."]
    if missed:
        why = (
            "bench/README.md#where-we-miss-and-why-from-the-run-above-and-the-pyinstrument-profiles"
        )
        listed = "; ".join(
            f"{t['subject']} {_fmt(t['value'] or math.nan, 2)} (limit {t['limit']})" for t in missed
        )
        out.append(f"Missed: {listed}. Why: [bench/README.md]({why}).")
    return "\n".join(out)


BEGIN: Final = "<!-- bench:begin (written by make bench) -->"
END: Final = "<!-- bench:end -->"


def replace_section(path: Path, body: str) -> bool:
    """Write `body` between the bench markers of `path`; False when it has no markers."""
    text = path.read_text()
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        return False
    path.write_text(text[: start + len(BEGIN)] + "\n" + body.rstrip() + "\n" + text[end:])
    return True
