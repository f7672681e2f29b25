"""bench/chart.png: ratios to raw psycopg (1 client), bulk rows/s, keyset vs OFFSET."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def draw(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(18, 6), gridspec_kw={"width_ratios": [3, 1.3, 1.3]})
    ax = axes[0]
    labels: list[str] = []
    values: list[float] = []
    colors: list[str] = []
    palette = {"psycopg": "#999999", "generated": "#4c72b0", "chatdb": "#1f4e9c",
               "SQLAlchemy": "#dd8452", "asyncpg": "#55a868"}  # fmt: skip
    for c in results["per_call"]:
        if c["clients"] != 1:
            continue
        for name, s in c["stats"].items():
            labels.append(f"{c['workload']} [{c['mode']}] {name}")
            values.append(s.get("ratio") or 0.0)
            colors.append(next((v for k, v in palette.items() if name.startswith(k)), "#8172b3"))
    ax.barh(range(len(values)), values, color=colors)
    ax.set_yticks(range(len(values)), labels, fontsize=6)
    ax.invert_yaxis()
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xlabel("median latency / raw psycopg (same run), 1 client")
    ax.set_title("per call (lower is better)")

    ax = axes[1]
    bulk = results["bulk"]
    ax.barh([b["name"] for b in bulk], [b["rows_per_s"] for b in bulk], color="#4c72b0")
    ax.set_xscale("log")
    ax.invert_yaxis()
    ax.tick_params(axis="y", labelsize=6)
    ax.set_xlabel("rows/s (log)")
    ax.set_title("bulk import of messages")

    ax = axes[2]
    scale = results["scaling"]
    xs = [s["table_rows"] for s in scale]
    ax.plot(xs, [s["keyset_generated_us"] for s in scale], "o-", label="keyset (generated)")
    ax.plot(xs, [s["keyset_psycopg_us"] for s in scale], "o--", label="keyset (psycopg)")
    ax.plot(xs, [s["offset_us"] for s in scale], "s-", label="OFFSET")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("messages in the table")
    ax.set_ylabel("page of 50, median µs")
    ax.set_title("keyset vs OFFSET")
    ax.legend(fontsize=8)

    m = results["machine"]
    fig.suptitle(
        f"chatdb bench ({results['mode']}), {m['cpu']}, {m['cores']} cores, {m['server']}",
        fontsize=10,
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
