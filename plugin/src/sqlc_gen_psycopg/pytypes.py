"""PostgreSQL types -> Python annotations, and how values cross the psycopg boundary."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from sqlc_gen_psycopg import naming
from sqlc_gen_psycopg.options import Override

# How a value must be handled beyond "pass it to psycopg as is / take what psycopg returns".
PLAIN = "plain"
ENUM = "enum"  # StrEnum: dumped as its value (str), loaded by pydantic or register_enums()
JSON = "json"  # JsonValue: wrapped in psycopg Json/Jsonb
TIMESTAMPTZ = "timestamptz"  # naive datetimes refused before they reach the database
OVERRIDE = "override"  # py_type from an override: loaded through a pydantic TypeAdapter
JSON_OVERRIDE = "json_override"  # override of json/jsonb: dumped with the adapter's dump_json


@dataclass(frozen=True)
class Import:
    module: str
    name: str | None = None  # None: `import module`


@dataclass(frozen=True)
class TypeSpec:
    base: str  # element annotation: "uuid.UUID", "enums.UserRole", "MessageParts"
    kind: str = PLAIN
    dims: int = 0
    nullable: bool = False
    copy_type: str = ""  # psycopg type name for COPY ... (FORMAT BINARY) set_types()
    imports: tuple[Import, ...] = ()
    json_wrapper: str = ""  # "Json" or "Jsonb" for json kinds
    adapter: str = ""  # TypeAdapter constant for OVERRIDE/JSON_OVERRIDE
    whole: bool = False  # a column override replaces the whole type, arrays included
    pg_type: str = ""  # canonical PostgreSQL element type of a built-in type ("citext")

    @property
    def annotation(self) -> str:
        ann = self.base
        if not self.whole:
            for _ in range(self.dims):
                ann = f"list[{ann}]"
        if self.nullable and ann != "None":
            ann += " | None"
        return ann

    @property
    def value_type(self) -> str:
        """The annotation without `| None`."""
        return replace(self, nullable=False).annotation


_DT = (Import("datetime"),)
_INET = (
    Import("ipaddress", "IPv4Address"),
    Import("ipaddress", "IPv4Interface"),
    Import("ipaddress", "IPv6Address"),
    Import("ipaddress", "IPv6Interface"),
)
_CIDR = (Import("ipaddress", "IPv4Network"), Import("ipaddress", "IPv6Network"))
_JSON_VALUE = (Import("pydantic", "JsonValue"),)

# canonical name -> (annotation, imports, copy type, kind)
BASE_TYPES: dict[str, tuple[str, tuple[Import, ...], str, str]] = {
    "int2": ("int", (), "int2", PLAIN),
    "int4": ("int", (), "int4", PLAIN),
    "int8": ("int", (), "int8", PLAIN),
    "oid": ("int", (), "oid", PLAIN),
    "numeric": ("decimal.Decimal", (Import("decimal"),), "numeric", PLAIN),
    "float4": ("float", (), "float4", PLAIN),
    "float8": ("float", (), "float8", PLAIN),
    "bool": ("bool", (), "bool", PLAIN),
    "text": ("str", (), "text", PLAIN),
    "varchar": ("str", (), "varchar", PLAIN),
    "bpchar": ("str", (), "bpchar", PLAIN),
    "citext": ("str", (), "text", PLAIN),
    "name": ("str", (), "name", PLAIN),
    "uuid": ("uuid.UUID", (Import("uuid"),), "uuid", PLAIN),
    "timestamptz": ("datetime.datetime", _DT, "timestamptz", TIMESTAMPTZ),
    "timestamp": ("datetime.datetime", _DT, "timestamp", PLAIN),
    "date": ("datetime.date", _DT, "date", PLAIN),
    "time": ("datetime.time", _DT, "time", PLAIN),
    "timetz": ("datetime.time", _DT, "timetz", PLAIN),
    "interval": ("datetime.timedelta", _DT, "interval", PLAIN),
    "bytea": ("bytes", (), "bytea", PLAIN),
    "json": ("JsonValue", _JSON_VALUE, "json", JSON),
    "jsonb": ("JsonValue", _JSON_VALUE, "jsonb", JSON),
    "inet": ("IPv4Address | IPv4Interface | IPv6Address | IPv6Interface", _INET, "inet", PLAIN),
    "cidr": ("IPv4Network | IPv6Network", _CIDR, "cidr", PLAIN),
    "void": ("None", (), "", PLAIN),
}

ALIASES = {
    "smallint": "int2",
    "smallserial": "int2",
    "serial2": "int2",
    "integer": "int4",
    "int": "int4",
    "serial": "int4",
    "serial4": "int4",
    "bigint": "int8",
    "bigserial": "int8",
    "serial8": "int8",
    "decimal": "numeric",
    "real": "float4",
    "float": "float8",
    "double precision": "float8",
    "boolean": "bool",
    "character varying": "varchar",
    "character": "bpchar",
    "char": "bpchar",
    "timestamp with time zone": "timestamptz",
    "timestamp without time zone": "timestamp",
    "time without time zone": "time",
    "time with time zone": "timetz",
}


def canonical(type_name: str) -> tuple[str, int]:
    """`pg_catalog.VARCHAR(10)[]` -> ("varchar", 1)."""
    name = type_name.strip().lower()
    dims = 0
    while True:
        stripped = re.sub(r"\s*\[\s*\d*\s*\]\s*$", "", name)
        if stripped == name:
            break
        name, dims = stripped, dims + 1
    name = re.sub(r"\s*\([^)]*\)", "", name).strip()
    name = re.sub(r"\s+", " ", name)
    if name.startswith("pg_catalog."):
        name = name[len("pg_catalog.") :]
    name = name.strip('"')
    return ALIASES.get(name, name), dims


def override_spec(override: Override, base: TypeSpec, *, whole: bool) -> TypeSpec:
    """Apply an override's py_type to a resolved (or unresolvable) database type."""
    module, _, name = override.py_type.rpartition(".")
    imports: tuple[Import, ...]
    if not module:
        annotation, imports = name, ()
    else:
        # Module-qualified, so an override type never collides with a generated model of the
        # same name (chatdb.types.ChatState beside the chat_states table's ChatState model).
        annotation, imports = override.py_type, (Import(module),)
    is_json = base.kind in (JSON, JSON_OVERRIDE)
    return replace(
        base,
        base=annotation,
        imports=imports,
        kind=JSON_OVERRIDE if is_json else OVERRIDE,
        adapter=f"_{naming.upper_snake(name)}_ADAPTER",
        whole=whole,
    )
