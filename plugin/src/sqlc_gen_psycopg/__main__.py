"""Entry point sqlc runs: `sqlc-gen-psycopg /plugin.CodegenService/Generate`.

Reads a JSON GenerateRequest on stdin (`format: json` in sqlc.yaml) and writes a JSON
GenerateResponse (`{"files": [{"name": ..., "contents": <base64>}]}`) on stdout. Problems go
to stderr with a non-zero exit status, which makes `sqlc generate` fail and print them.
"""

from __future__ import annotations

import base64
import json
import sys
import traceback

from sqlc_gen_psycopg import __version__
from sqlc_gen_psycopg.errors import PluginError
from sqlc_gen_psycopg.generate import generate
from sqlc_gen_psycopg.request import parse_request

METHOD = "/plugin.CodegenService/Generate"


def run(raw: bytes) -> bytes:
    """GenerateRequest JSON -> GenerateResponse JSON."""
    files = generate(parse_request(raw))
    response = {
        "files": [
            {"name": name, "contents": base64.b64encode(text.encode()).decode("ascii")}
            for name, text in sorted(files.items())
        ]
    }
    return json.dumps(response).encode()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in ("--version", "-V"):
        print(f"sqlc-gen-psycopg {__version__}")
        return 0
    if args and args[0] != METHOD:
        sys.stderr.write(
            f"sqlc-gen-psycopg: unsupported method {args[0]!r}; sqlc calls it with {METHOD}\n"
        )
        return 2
    try:
        out = run(sys.stdin.buffer.read())
    except PluginError as exc:
        sys.stderr.write("".join(f"sqlc-gen-psycopg: error: {m}\n" for m in exc.messages))
        return 1
    except Exception:
        sys.stderr.write(
            "sqlc-gen-psycopg: internal error (a bug in the plugin, please report it):\n"
            + traceback.format_exc()
        )
        return 3
    sys.stdout.buffer.write(out)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
