"""Typed view of sqlc's GenerateRequest (plugin/codegen.proto), read from its JSON form.

Only the fields the generator uses are kept. Missing fields take the protobuf defaults, so a
request from an older or newer sqlc still parses.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

from sqlc_gen_psycopg.errors import PluginError

SYSTEM_SCHEMAS = frozenset({"pg_catalog", "information_schema"})


@dataclass(frozen=True)
class Identifier:
    schema: str = ""
    name: str = ""

    @classmethod
    def parse(cls, data: Any) -> Identifier | None:
        if not data:
            return None
        return cls(schema=data.get("schema") or "", name=data.get("name") or "")


@dataclass(frozen=True)
class Column:
    name: str
    not_null: bool
    is_array: bool
    array_dims: int
    type: Identifier
    table: Identifier | None
    embed_table: Identifier | None
    is_sqlc_slice: bool
    is_named_param: bool  # @x / sqlc.arg(x) / sqlc.narg(x), not a bare $n
    original_name: str
    comment: str

    @classmethod
    def parse(cls, data: dict[str, Any]) -> Column:
        is_array = bool(data.get("is_array"))
        dims = int(data.get("array_dims") or 0)
        return cls(
            name=data.get("name") or "",
            not_null=bool(data.get("not_null")),
            is_array=is_array,
            array_dims=max(dims, 1) if is_array else dims,
            type=Identifier.parse(data.get("type")) or Identifier(),
            table=Identifier.parse(data.get("table")),
            embed_table=Identifier.parse(data.get("embed_table")),
            is_sqlc_slice=bool(data.get("is_sqlc_slice")),
            is_named_param=bool(data.get("is_named_param")),
            original_name=data.get("original_name") or "",
            comment=data.get("comment") or "",
        )


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    columns: list[Column]
    comment: str


@dataclass(frozen=True)
class Enum:
    schema: str
    name: str
    vals: list[str]
    comment: str


@dataclass(frozen=True)
class Catalog:
    default_schema: str
    tables: list[Table]
    enums: list[Enum]
    composite_types: list[Identifier]


@dataclass(frozen=True)
class Parameter:
    number: int
    column: Column


@dataclass(frozen=True)
class Query:
    name: str
    cmd: str
    text: str
    filename: str
    comments: list[str]
    columns: list[Column]
    params: list[Parameter]
    insert_into_table: Identifier | None


@dataclass(frozen=True)
class Request:
    sqlc_version: str
    schema_paths: list[str]
    query_paths: list[str]
    out: str
    options: dict[str, Any]
    catalog: Catalog
    queries: list[Query] = field(default_factory=list)


def _decode_options(raw: str) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        text = base64.b64decode(raw, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        text = raw  # some sqlc builds pass the JSON as is
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PluginError.one(
            f"plugin options are not valid JSON ({exc}); check `options:`"
        ) from exc
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PluginError.one("plugin options must be a mapping; check `options:` in sqlc.yaml")
    return value


def _parse_catalog(data: dict[str, Any]) -> Catalog:
    default_schema = data.get("default_schema") or "public"
    tables: list[Table] = []
    enums: list[Enum] = []
    composites: list[Identifier] = []
    for schema in data.get("schemas") or []:
        schema_name = schema.get("name") or default_schema
        if schema_name in SYSTEM_SCHEMAS:
            continue
        for t in schema.get("tables") or []:
            rel = t.get("rel") or {}
            tables.append(
                Table(
                    schema=rel.get("schema") or schema_name,
                    name=rel.get("name") or "",
                    columns=[Column.parse(c) for c in t.get("columns") or []],
                    comment=t.get("comment") or "",
                )
            )
        for e in schema.get("enums") or []:
            enums.append(
                Enum(
                    schema=schema_name,
                    name=e.get("name") or "",
                    vals=list(e.get("vals") or []),
                    comment=e.get("comment") or "",
                )
            )
        for c in schema.get("composite_types") or []:
            composites.append(Identifier(schema=schema_name, name=c.get("name") or ""))
    return Catalog(default_schema, tables, enums, composites)


def _parse_query(data: dict[str, Any]) -> Query:
    return Query(
        name=data.get("name") or "",
        cmd=data.get("cmd") or "",
        text=data.get("text") or "",
        filename=data.get("filename") or "",
        comments=list(data.get("comments") or []),
        columns=[Column.parse(c) for c in data.get("columns") or []],
        params=[
            Parameter(number=int(p.get("number") or 0), column=Column.parse(p.get("column") or {}))
            for p in data.get("params") or []
        ],
        insert_into_table=Identifier.parse(data.get("insert_into_table")),
    )


def parse_request(raw: bytes) -> Request:
    """Parse the JSON GenerateRequest sqlc writes to the plugin's stdin."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise PluginError.one(
            f"stdin is not a JSON GenerateRequest ({exc}); set `format: json` under the "
            "plugin's `process:` in sqlc.yaml"
        ) from exc
    settings = data.get("settings") or {}
    codegen = settings.get("codegen") or {}
    raw_options = data.get("plugin_options") or codegen.get("options") or ""
    return Request(
        sqlc_version=data.get("sqlc_version") or "",
        schema_paths=list(settings.get("schema") or []),
        query_paths=list(settings.get("queries") or []),
        out=codegen.get("out") or "",
        options=_decode_options(raw_options),
        catalog=_parse_catalog(data.get("catalog") or {}),
        queries=[_parse_query(q) for q in data.get("queries") or []],
    )
