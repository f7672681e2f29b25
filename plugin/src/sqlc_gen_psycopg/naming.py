"""Names: SQL identifiers and query names to Python identifiers.

Rules (documented in docs/plugin.md):
- Query `GetChatsByIDs` -> function `get_chats_by_ids`, constant `GET_CHATS_BY_IDS`.
- Table `user_sessions` -> model `UserSession` (last word singularised), unless renamed.
- A Python keyword gets a trailing underscore (`from` -> `from_`). Builtins such as `id`,
  `type` or `format` are kept: they are fine as keyword arguments and fields.
- Other clashes (a pydantic `BaseModel` attribute such as `json`, a name the generated code
  uses itself such as `conn`) also get a trailing underscore.
"""

from __future__ import annotations

import keyword
import re

_WORDS = re.compile(r"[A-Z]+s(?![a-z])|[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])|[0-9]+")

# Attributes of pydantic.BaseModel a field must not shadow.
PYDANTIC_RESERVED = frozenset(
    {
        "construct",
        "copy",
        "dict",
        "from_orm",
        "json",
        "parse_file",
        "parse_obj",
        "parse_raw",
        "schema",
        "schema_json",
        "update_forward_refs",
        "validate",
        "model_computed_fields",
        "model_config",
        "model_construct",
        "model_copy",
        "model_extra",
        "model_fields",
        "model_fields_set",
        "model_json_schema",
        "model_parametrized_name",
        "model_post_init",
        "model_rebuild",
    }
)
# Modules the generated code imports by name; a field or argument must not hide them.
MODULE_NAMES = frozenset(
    {"dataclasses", "datetime", "decimal", "enum", "enums", "ipaddress", "itertools", "models"}
    | {"psycopg", "pydantic", "typing", "uuid"}
)
# Names the generated modules import with `from x import Name`: a model, enum, row or Params
# class must not rebind them (a table `base_models` would otherwise define `BaseModel`).
IMPORTED_NAMES = frozenset(
    {"Any", "AsyncIterator", "BaseModel", "ConfigDict", "EnumInfo", "Final", "Iterable"}
    | {"Iterator", "Json", "Jsonb", "JsonValue", "NamedTuple", "RowMaker", "Sequence"}
    | {"TypeAdapter", "IPv4Address", "IPv4Interface", "IPv6Address", "IPv6Interface"}
    | {"IPv4Network", "IPv6Network", "register_enum", "register_enums", "register_enums_async"}
)
# Builtins the generated module-level code uses (annotations, row builders, batches): a
# generated function named `list` would break `-> list[Model]` in the same module.
BUILTINS_USED = frozenset(
    {"any", "bool", "bytes", "dict", "float", "int", "isinstance", "list", "map", "next"}
    | {"object", "str", "tuple", "type", "ValueError"}
)
# Names the generated function bodies use.
FUNCTION_RESERVED = frozenset({"conn", "cur", "copy", "row", "rows", "p", "params", "next", "v"})
# tuple attributes a NamedTuple field must not shadow.
NAMEDTUPLE_RESERVED = frozenset({"count", "index"})


def words(name: str) -> list[str]:
    out: list[str] = []
    for part in re.split(r"[^A-Za-z0-9]+", name):
        out.extend(w.lower() for w in _WORDS.findall(part))
    return out


def snake(name: str) -> str:
    return "_".join(words(name))


def upper_snake(name: str) -> str:
    return snake(name).upper()


def pascal(name: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in words(name))


def singular(word: str) -> str:
    lower = word.lower()
    if lower.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if lower.endswith(("sses", "shes", "ches", "xes", "zzes")):
        return word[:-2]
    if lower.endswith(("ss", "us", "is", "news")) or not lower.endswith("s"):
        return word
    if lower.endswith("uses"):
        return word[:-2]
    return word[:-1]


def model_name(table: str) -> str:
    parts = words(table)
    if not parts:
        return "Table"
    parts[-1] = singular(parts[-1])
    name = "".join(w[:1].upper() + w[1:] for w in parts)
    return name if name[:1].isalpha() else "T" + name


def identifier(name: str, fallback: str) -> str:
    """A lower-case Python identifier for a SQL name (columns, parameters)."""
    ident = re.sub(r"\W+", "_", name).strip("_").lower() if name else ""
    if not ident or not ident.isidentifier():
        ident = fallback if not ident else f"{fallback}_{ident}"
    if ident[:1].isdigit():
        ident = f"{fallback}_{ident}"
    return ident


def avoid(name: str, reserved: frozenset[str] | set[str]) -> str:
    while keyword.iskeyword(name) or name in reserved:
        name += "_"
    return name


def enum_member(label: str, index: int) -> str:
    ident = re.sub(r"[^0-9A-Za-z]+", "_", label).strip("_").upper()
    if not ident:
        return f"VALUE_{index}"
    if ident[0].isdigit():
        ident = "V_" + ident
    return ident


def dedupe(names: list[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for name in names:
        candidate, n = name, 2
        while candidate in seen:
            candidate = f"{name}_{n}"
            n += 1
        seen.add(candidate)
        out.append(candidate)
    return out
