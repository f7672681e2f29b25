"""The results: the table printed at the end, the targets (issue 19), results.json."""

from __future__ import annotations

import math
import os
import platform
import statistics
from pathlib import Path
from typing import Any, Final

from bench.bulk import COPYFROM, RAW_COPY
from bench.harness import Cell, round_ratios, spread
from bench.workloads import ADATACLASS, DATACLASS

# The targets of issue 19 (performance v2). Each is checked on ratios from one interleaved run;
# the spread column is the interquartile range of the per-round ratios.
TARGETS_TEXT = {
    "one": ":one point reads via chatdb.Database / AsyncDatabase <= 1.10x raw psycopg "
    "(prepared, tuple rows)",
    "page": "page of 50 jsonb rows via chatdb.Database <= 1.0x raw psycopg (its defaults)",
    "page_asyncpg": "page of 50 jsonb rows via chatdb.AsyncDatabase <= 2.5x asyncpg+orjson",
    "dataclass": "page of 50 in dataclass mode (emit_pydantic_models: false) <= 0.75x raw psycopg",
    "orm": ">= 2.5x faster than SQLAlchemy ORM on every workload",
    "core": ">= 1.6x faster than SQLAlchemy Core on every workload",
    "copy": ":copyfrom >= 0.95x raw psycopg COPY (FORMAT binary), rows/s, same table",
    "keyset": "keyset page at the largest table: generated <= 1.15x raw psycopg",
    "keyset_growth": "keyset page growth 10k -> largest: generated's / raw psycopg's <= 1.0",
    "flow": "credit-consume flow <= 1.2x the same statements on raw psycopg",
    "cache": "read cache: uncached median >= 5x the cached median (issue 10)",
    "runtime_cost": "statement logging, timing, error translation: µs a call, record dropped",
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
    """`variant / baseline`: the median of the per-round ratios (each round runs both in
    turn, so a burst of noise is paired), or of the pooled medians with under two rounds."""
    a, b = cell.stats.get(variant), cell.stats.get(baseline)
    if a is None or b is None or not b.median_us:
        return math.nan
    per_round = round_ratios(a.round_medians_us, b.round_medians_us)
    if len(per_round) >= 2:
        return statistics.median(per_round)
    return a.median_us / b.median_us


def ratio_spread(cell: Cell, variant: str, baseline: str) -> tuple[float, float]:
    """The interquartile range of `variant / baseline` over the cell's rounds."""
    a, b = cell.stats.get(variant), cell.stats.get(baseline)
    if a is None or b is None:
        return math.nan, math.nan
    return spread(round_ratios(a.round_medians_us, b.round_medians_us))


def _cell(cells: list[Cell], key: str, mode: str, clients: int = 1) -> Cell | None:
    return next(
        (c for c in cells if c.workload == key and c.mode == mode and c.clients == clients), None
    )


def _verdict(value: float, limit: float, *, at_most: bool) -> str:
    if math.isnan(value):
        return "n/a"
    ok = value <= limit if at_most else value >= limit
    return "pass" if ok else "miss"


def _median_or(values: list[float], fallback: float) -> float:
    return statistics.median(values) if len(values) >= 2 else fallback


def _round3(x: float) -> float | None:
    return None if math.isnan(x) else round(x, 3)


def evaluate(
    cells: list[Cell],
    bulk: list[Any],
    scale: list[Any],
    flags: dict[str, Any],
    cache: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """One entry per (target, subject): measured value, its spread (IQR over rounds), limit,
    pass/miss."""
    out: list[dict[str, Any]] = []

    def add(
        target: str,
        subject: str,
        value: float,
        limit: float,
        *,
        at_most: bool,
        iqr: tuple[float, float] = (math.nan, math.nan),
    ) -> None:
        out.append({
            "target": target, "text": TARGETS_TEXT[target], "subject": subject,
            "value": _round3(value), "iqr": [_round3(iqr[0]), _round3(iqr[1])],
            "limit": limit, "result": _verdict(value, limit, at_most=at_most),
        })  # fmt: skip

    def add_ratio(target: str, cell: Cell, v: str, base: str, limit: float, subject: str) -> None:
        """A `v / base` latency ratio that must stay at most `limit`."""
        add(target, subject, ratio(cell, v, base), limit, at_most=True,
            iqr=ratio_spread(cell, v, base))  # fmt: skip

    for key in ("get_user_by_id", "get_session_and_user"):
        for mode, base, v in (("sync", "psycopg", "chatdb.Database"),
                              ("async", "psycopg async", "chatdb.AsyncDatabase")):  # fmt: skip
            cell = _cell(cells, key, mode)
            if cell:
                add_ratio("one", cell, v, base, 1.10, f"{key} {v}")
    page = _cell(cells, "list_messages_by_chat", "sync")
    apage = _cell(cells, "list_messages_by_chat", "async")
    if page:
        add_ratio("page", page, "chatdb.Database", "psycopg", 1.0,
                  "list_messages_by_chat chatdb.Database")  # fmt: skip
    if apage:
        add_ratio("page", apage, "chatdb.AsyncDatabase", "psycopg async", 1.0,
                  "list_messages_by_chat chatdb.AsyncDatabase")  # fmt: skip
        add_ratio("page_asyncpg", apage, "chatdb.AsyncDatabase", "asyncpg+orjson", 2.5,
                  "chatdb.AsyncDatabase / asyncpg+orjson")  # fmt: skip
    for cell, v, base in ((page, DATACLASS, "psycopg"), (apage, ADATACLASS, "psycopg async")):
        if cell and v in cell.stats:
            add_ratio("dataclass", cell, v, base, 0.75, f"list_messages_by_chat {v}")
    for key in ("get_user_by_id", "get_session_and_user", "list_messages_by_chat",
                "insert_message"):  # fmt: skip
        cell = _cell(cells, key, "sync")
        if cell:
            for target, sa, limit in (("orm", "SQLAlchemy ORM", 2.5),
                                      ("core", "SQLAlchemy Core", 1.6)):  # fmt: skip
                add(target, f"{key}: {sa.split()[-1]} / chatdb.Database",
                    ratio(cell, sa, "chatdb.Database"), limit, at_most=False,
                    iqr=ratio_spread(cell, sa, "chatdb.Database"))  # fmt: skip
    by = {b.name: b for b in bulk}
    copy, raw_copy = by.get(COPYFROM), by.get(RAW_COPY)
    if copy and raw_copy:
        # The median of the per-round ratios (each round loads the same slice of rows).
        per_round = round_ratios(raw_copy.round_seconds, copy.round_seconds)
        add("copy", ":copyfrom / psycopg COPY binary (rows/s, median of rounds)",
            statistics.median(per_round), 0.95, at_most=False,
            iqr=spread(per_round))  # fmt: skip
    if len(scale) >= 2:
        small, big = scale[0], scale[-1]
        big_r = round_ratios(big.keyset_generated_rounds_us, big.keyset_psycopg_rounds_us)
        small_r = round_ratios(small.keyset_generated_rounds_us, small.keyset_psycopg_rounds_us)
        # generated/raw at the largest table; and its change from the smallest, which equals
        # (generated's growth) / (raw psycopg's growth). Medians of per-round ratios.
        growth_r = round_ratios(big_r, small_r)
        add("keyset", f"generated / psycopg keyset at {big.table_rows:,} rows",
            _median_or(big_r, big.keyset_generated_us / big.keyset_psycopg_us), 1.15,
            at_most=True, iqr=spread(big_r))  # fmt: skip
        pooled_growth = (big.keyset_generated_us / small.keyset_generated_us) / (
            big.keyset_psycopg_us / small.keyset_psycopg_us
        )
        add("keyset_growth", f"generated growth / psycopg growth, {small.table_rows:,} -> "
            f"{big.table_rows:,} rows", _median_or(growth_r, pooled_growth), 1.0, at_most=True,
            iqr=spread(growth_r))  # fmt: skip
    for mode, base, v in (("sync", "psycopg", "chatdb.Database"),
                          ("async", "psycopg async", "chatdb.AsyncDatabase")):  # fmt: skip
        cell = _cell(cells, "consume_credits", mode)
        if cell:
            add_ratio("flow", cell, v, base, 1.2, f"consume_credits {v}")
    cost = flags.get("runtime_cost")
    if cost:
        add("runtime_cost", "chatdb cursor - psycopg cursor, paired", cost["cost_us"],
            cost["limit_us"], at_most=True, iqr=tuple(cost["cost_iqr_us"]))  # fmt: skip
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
        f"{'× raw':>6} {'IQR of ×':>11} {'ops/s':>8}",
        "-" * 126,
    ]
    for c in cells:
        base = "psycopg" if c.mode == "sync" else "psycopg async"
        for name, s in c.stats.items():
            r = ratio(c, name, base)
            lines.append(
                f"{titles.get(c.workload, c.workload)[:44]:44} {c.mode:5} {c.clients:>2} "
                f"{name[:22]:22} {_fmt(s.median_us, 1):>10} {_fmt(s.p95_us, 1):>9} "
                f"{_fmt(r, 2):>6} {_iqr(ratio_spread(c, name, base)):>11} {_fmt(s.ops_per_s):>8}"
            )
        for name, why in c.skipped.items():
            lines.append(
                f"{titles.get(c.workload, c.workload)[:44]:44} {c.mode:5} {c.clients:>2} "
                f"{name:22} {why}"
            )
    return "\n".join(lines)


def _iqr(q: Any) -> str:
    """`1.02–1.10` for a (q1, q3) pair; `-` when there is no spread (one round, no rounds)."""
    if not q or q[0] is None or q[1] is None or math.isnan(q[0]) or math.isnan(q[1]):
        return "-"
    return f"{q[0]:.2f}–{q[1]:.2f}"


def targets_text(targets: list[dict[str, Any]]) -> str:
    lines = [
        f"{'target':60} {'subject':48} {'value':>7} {'IQR':>11} {'limit':>6} result",
        "-" * 142,
    ]
    for t in targets:
        lines.append(
            f"{t['text'][:60]:60} {t['subject'][:48]:48} {_fmt(_num(t['value']), 2):>7} "
            f"{_iqr(t.get('iqr')):>11} {t['limit']:>6} {t['result']}"
        )
    return "\n".join(lines)


def _num(x: float | None) -> float:
    return math.nan if x is None else x


def markdown(results: dict[str, Any]) -> str:
    """The README table: 1-client rows, sync and async, plus bulk, scaling and targets."""
    m = results["machine"]
    out = [
        f"Last run: {results['mode']} mode, {results['finished']}, {m['cpu']} ({m['cores']} cores), "
        f"{m['os']}, Python {m['python']}, psycopg {m['psycopg']}, {m['server']} "
        f"({m['database']}). Ratios are to raw psycopg in the same run; the spread is the "
        "interquartile range (IQR) of the ratio over the interleaved rounds. 1 client shown, "
        "8 clients in bench/results.json and the throughput table. "
        f"Cores: {results.get('pinning', {}).get('note', 'not recorded')}.",
        "",
        "| workload | mode | clients | variant | median µs | p95 µs | × raw psycopg | IQR of × |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in results["per_call"]:
        if c["clients"] != 1:
            continue  # the 8-client rows are in results.json
        for name, s in c["stats"].items():
            out.append(
                f"| {c['title']} | {c['mode']} | {c['clients']} | {name} | "
                f"{_fmt(s['median_us'], 1)} | {_fmt(s['p95_us'], 1)} | "
                f"{_fmt(_num(s.get('ratio')), 2)} | {_iqr(s.get('ratio_iqr'))} |"
            )
        for name, why in c["skipped"].items():
            out.append(f"| {c['title']} | {c['mode']} | {c['clients']} | {name} | {why} | | | |")
    out += throughput_markdown(results["per_call"])
    out += ["", "| bulk import | rows | rows/s | µs/row | × psycopg COPY binary rows/s, median of rounds (IQR) |",
            "|---|---|---|---|---|"]  # fmt: skip
    raw_copy = next((b for b in results["bulk"] if b["name"] == RAW_COPY), None)
    for b in results["bulk"]:
        vs = "-"
        if raw_copy and b.get("round_seconds") and raw_copy.get("round_seconds"):
            per_round = round_ratios(raw_copy["round_seconds"], b["round_seconds"])
            vs = f"{statistics.median(per_round):.2f} ({_iqr(spread(per_round))})"
        out.append(
            f"| {b['name']} | {b['rows']:,} | {_fmt(b['rows_per_s'])} | "
            f"{_fmt(b['us_per_row'], 2)} | {vs} |"
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
    out += ["", "| target | subject | measured | spread (IQR) | limit | result |",
            "|---|---|---|---|---|---|"]  # fmt: skip
    for t in results["targets"]:
        out.append(
            f"| {t['text']} | {t['subject']} | {_fmt(_num(t['value']), 2)} | "
            f"{_iqr(t.get('iqr'))} | {t['limit']} | {t['result']} |"
        )
    pg = results.get("pgbench", {})
    if "latency_us" in pg:
        out += ["", f"pgbench select-only (the server's limit): {pg['latency_us']:.1f} µs per "
                f"prepared primary-key select, {pg.get('ratio_to_psycopg_point_read', math.nan):.2f}× "
                "raw psycopg's point read."]  # fmt: skip
    cost = results.get("runtime_cost")
    if cost:
        worst = ", ".join(
            f"{r['function']} {r['own_us_per_call']:.2f}" for r in cost["profile"][:3]
        )
        out += ["", f"Runtime cost per statement with its log record dropped (`python -m "
                f"bench.runtime_cost`): {cost['cost_us']:.2f} µs paired difference, chatdb's "
                f"cursor vs psycopg's (IQR {_iqr(cost['cost_iqr_us'])}), bookkeeping alone "
                f"{cost['hooks_us']:.2f} µs; cProfile own µs a call: {worst}."]  # fmt: skip
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


# Throughput is reported for the workloads a request mix is made of: the page and the flow.
THROUGHPUT = ("list_messages_by_chat", "consume_credits")


def throughput_markdown(per_call: list[dict[str, Any]]) -> list[str]:
    """ops/s of every variant at 1 client and at the most clients, side by side."""
    out = ["", "| throughput (ops/s, all clients) | mode | variant | 1 client | N clients | N |",
           "|---|---|---|---|---|---|"]  # fmt: skip
    for key in THROUGHPUT:
        for mode in ("sync", "async"):
            runs = sorted(
                (c for c in per_call if c["workload"] == key and c["mode"] == mode),
                key=lambda c: c["clients"],
            )
            if len(runs) < 2:
                continue
            one, many = runs[0], runs[-1]
            for name, s in one["stats"].items():
                wide = many["stats"].get(name, {})
                out.append(
                    f"| {one['title']} | {mode} | {name} | {_fmt(s['ops_per_s'])} | "
                    f"{_fmt(_num(wide.get('ops_per_s')))} | {many['clients']} |"
                )
    return out if len(out) > 2 else []


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
