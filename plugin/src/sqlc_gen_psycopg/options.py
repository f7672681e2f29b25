"""The plugin's `options:` block in sqlc.yaml, validated with errors that name the bad key."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlc_gen_psycopg.errors import PluginError

DEFAULT_QUERY_PARAMETER_LIMIT = 8
_DOTTED = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")
_PACKAGE = _DOTTED


@dataclass(frozen=True)
class Override:
    """Replace the Python type of a column (`table.column`) or of a database type."""

    py_type: str
    column: str | None = None  # "table.column" or "schema.table.column"
    db_type: str | None = None  # "jsonb", "pg_catalog.numeric", "email_address", ...
    nullable: bool | None = None  # None: applies to nullable and non-null columns alike


@dataclass(frozen=True)
class Options:
    package: str
    overrides: list[Override] = field(default_factory=list)
    rename: dict[str, str] = field(default_factory=dict)
    emit_sync: bool = True
    emit_async: bool = True
    emit_pydantic_models: bool = True
    query_parameter_limit: int = DEFAULT_QUERY_PARAMETER_LIMIT


_KEYS = {
    "package",
    "overrides",
    "rename",
    "emit_sync",
    "emit_async",
    "emit_pydantic_models",
    "query_parameter_limit",
}


def _bool(raw: dict[str, Any], key: str, default: bool) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise PluginError.one(f"option `{key}` must be true or false, got {value!r}")
    return value


def package_from_out(out: str) -> str:
    """`src/chatdb/queries` -> `chatdb.queries` (a leading `src/` is the layout, not the name)."""
    parts = [p for p in out.replace("\\", "/").split("/") if p and p != "."]
    if parts and parts[0] == "src":
        parts = parts[1:]
    return ".".join(parts)


def parse_options(raw: dict[str, Any], out: str) -> Options:
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise PluginError.one(
            f"unknown plugin option(s) {', '.join(unknown)}; allowed: {', '.join(sorted(_KEYS))}"
        )
    package = raw.get("package") or package_from_out(out)
    if not isinstance(package, str) or not _PACKAGE.match(package):
        raise PluginError.one(
            f"option `package` must be a dotted Python package name such as `chatdb.queries`, "
            f"got {package!r} (it defaults to the codegen `out` path without a leading src/)"
        )

    overrides: list[Override] = []
    raw_overrides = raw.get("overrides") or []
    if not isinstance(raw_overrides, list):
        raise PluginError.one("option `overrides` must be a list of mappings")
    for i, item in enumerate(raw_overrides):
        where = f"overrides[{i}]"
        if not isinstance(item, dict):
            raise PluginError.one(
                f"{where} must be a mapping with `py_type` and `column`/`db_type`"
            )
        extra = sorted(set(item) - {"py_type", "column", "db_type", "nullable"})
        if extra:
            raise PluginError.one(
                f"{where}: unknown key(s) {', '.join(extra)}; allowed: column, db_type, "
                "py_type, nullable"
            )
        py_type = item.get("py_type")
        if not isinstance(py_type, str) or not _DOTTED.match(py_type):
            raise PluginError.one(
                f"{where}: `py_type` must be an importable dotted name such as "
                f"`chatdb.types.MessageParts` or a builtin such as `str`, got {py_type!r}"
            )
        column = item.get("column")
        db_type = item.get("db_type")
        if (column is None) == (db_type is None):
            raise PluginError.one(f"{where}: give exactly one of `column` or `db_type`")
        if column is not None and (not isinstance(column, str) or column.count(".") not in (1, 2)):
            raise PluginError.one(
                f"{where}: `column` must look like `table.column` or `schema.table.column`, "
                f"got {column!r}"
            )
        if db_type is not None and not isinstance(db_type, str):
            raise PluginError.one(f"{where}: `db_type` must be a string, got {db_type!r}")
        nullable = item.get("nullable")
        if nullable is not None and not isinstance(nullable, bool):
            raise PluginError.one(f"{where}: `nullable` must be true or false")
        if nullable is not None and column is not None:
            # A column's nullability depends on the query (an outer join makes it nullable),
            # and its override already replaces the whole type: reject rather than ignore.
            raise PluginError.one(
                f"{where}: `nullable` applies to `db_type` overrides only; a `column` override "
                "replaces the whole type (write `py_type` without `| None`: None is kept for "
                "nullable columns)"
            )
        overrides.append(
            Override(py_type=py_type, column=column, db_type=db_type, nullable=nullable)
        )

    rename = raw.get("rename") or {}
    if not isinstance(rename, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v.isidentifier() for k, v in rename.items()
    ):
        raise PluginError.one(
            "option `rename` must map database names to Python identifiers, "
            "e.g. {users: Account, users.email: email_address}"
        )

    limit = raw.get("query_parameter_limit", DEFAULT_QUERY_PARAMETER_LIMIT)
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
        raise PluginError.one(
            f"option `query_parameter_limit` must be a non-negative integer, got {limit!r}"
        )
    emit_sync = _bool(raw, "emit_sync", True)
    emit_async = _bool(raw, "emit_async", True)
    if not emit_sync and not emit_async:
        raise PluginError.one(
            "options `emit_sync` and `emit_async` are both false: nothing to emit"
        )
    return Options(
        package=package,
        overrides=overrides,
        rename=dict(rename),
        emit_sync=emit_sync,
        emit_async=emit_async,
        emit_pydantic_models=_bool(raw, "emit_pydantic_models", True),
        query_parameter_limit=limit,
    )
