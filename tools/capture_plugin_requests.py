"""Save the GenerateRequest sqlc sends for each plugin error case (tests/plugin/requests/).

Usage: .venv/bin/python tools/capture_plugin_requests.py

Runs the real `sqlc generate` once per case in tests/plugin/error_cases.py, with a stand-in
plugin that writes its stdin to a file and answers with no files. The tests then feed those
requests to the generator in-process, so they need neither sqlc nor a subprocess per case.
Re-run after changing a case or upgrading sqlc, and commit the JSON.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.plugin.error_cases import ERROR_CASES, PACKAGE, REQUESTS  # noqa: E402

from sqlc_gen_psycopg.request import SYSTEM_SCHEMAS  # noqa: E402

SQLC = Path(sys.executable).parent / "sqlc"
CAPTURE_PLUGIN = """#!{python}
import sys
with open({target!r}, "wb") as out:
    out.write(sys.stdin.buffer.read())
sys.stdout.write('{{"files": []}}')
"""
# What the stand-in plugin's absolute path is replaced with, so the saved JSON is the same on
# every machine (the generator never reads it).
PLUGIN_CMD = "sqlc-gen-psycopg"


def capture(
    root: Path, schema: str, queries: dict[str, str], options: dict[str, object]
) -> dict[str, object]:
    """Run sqlc once on a tiny project and return the request it sent the plugin."""
    target = root / "request.json"
    plugin = root / "capture-plugin"
    plugin.write_text(CAPTURE_PLUGIN.format(python=sys.executable, target=str(target)))
    plugin.chmod(0o755)
    (root / "db" / "queries").mkdir(parents=True)
    (root / "db" / "schema.sql").write_text(schema)
    for name, text in queries.items():
        (root / "db" / "queries" / name).write_text(text)
    config = {
        "version": "2",
        "plugins": [{"name": "py", "process": {"cmd": str(plugin), "format": "json"}}],
        "sql": [
            {
                "engine": "postgresql",
                "schema": "db/schema.sql",
                "queries": "db/queries",
                "codegen": [
                    {
                        "plugin": "py",
                        "out": "src/" + PACKAGE.replace(".", "/"),
                        "options": {"package": PACKAGE, **options},
                    }
                ],
            }
        ],
    }
    (root / "sqlc.yaml").write_text(json.dumps(config, indent=2))  # JSON is YAML
    result = subprocess.run(
        [str(SQLC), "generate"], cwd=root, capture_output=True, text=True, check=False, timeout=60
    )
    if result.returncode != 0:
        raise SystemExit(f"sqlc generate failed:\n{result.stdout}\n{result.stderr}")
    request: dict[str, object] = json.loads(target.read_text())
    codegen = request["settings"]["codegen"]  # type: ignore[index]
    codegen["process"]["cmd"] = PLUGIN_CMD
    # pg_catalog and information_schema are ~1 MB per request and the plugin skips them.
    catalog = request["catalog"]
    catalog["schemas"] = [  # type: ignore[index]
        s
        for s in catalog["schemas"]  # type: ignore[index]
        if s["name"] not in SYSTEM_SCHEMAS
    ]
    return request


def main() -> int:
    REQUESTS.mkdir(exist_ok=True)
    for name, (schema, queries, options, _expected) in sorted(ERROR_CASES.items()):
        with tempfile.TemporaryDirectory() as tmp:
            request = capture(Path(tmp), schema, queries, options)
        path = REQUESTS / f"{name}.json"
        path.write_text(json.dumps(request, indent=1, sort_keys=True) + "\n")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
