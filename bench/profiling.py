"""`--profile`: pyinstrument over the generated code path (chatdb.Database), to bench/out/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.dataset import Data
from bench.workloads import page_args


def run(data: Data, out_dir: Path, calls: int = 3000) -> list[Path]:
    from pyinstrument import Profiler

    from chatdb import Database
    from chatdb.queries import messages, users

    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    cases: list[tuple[str, Any]] = [
        ("get_user_by_id", lambda conn, i: users.get_user_by_id(
            conn, id=data.user_ids[i % len(data.user_ids)])),
        ("list_messages_by_chat", lambda conn, i: messages.list_messages_by_chat(
            conn, **page_args(messages.LIST_MESSAGES_BY_CHAT,
                              data.page_chat_ids[i % len(data.page_chat_ids)], None, None, 50))),
    ]  # fmt: skip
    with Database(data.url, pool_min_size=1, pool_max_size=1) as db, db.system() as conn:
        for name, fn in cases:
            n = calls if name == "get_user_by_id" else calls // 10
            for i in range(20):
                fn(conn, i)
            profiler = Profiler(interval=0.0001)
            profiler.start()
            for i in range(n):
                fn(conn, i)
            profiler.stop()
            path = out_dir / f"profile_{name}.txt"
            path.write_text(profiler.output_text(unicode=True, color=False, show_all=False))
            written.append(path)
    return written
