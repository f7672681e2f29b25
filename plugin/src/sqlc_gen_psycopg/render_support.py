"""The package's one support module, and the last check on every generated file.

`support.py` holds what more than one query module needs: the query metadata classes and
the `describe` decorator, the not-found error, one row builder per table model a query
returns or embeds, the JSON override adapters, the naive-datetime check.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from sqlc_gen_psycopg.render_queries import add_imports, load_expr
from sqlc_gen_psycopg.writer import Group, Imports, module_source, render

if TYPE_CHECKING:
    from sqlc_gen_psycopg.generate import Generator

_METADATA = '''\
@dataclasses.dataclass(frozen=True, slots=True)
class Parameter:
    """One keyword argument of a generated function: its name, type and whether it may be left out."""

    name: str
    type: str
    optional: bool


@dataclasses.dataclass(frozen=True, slots=True)
class Query:
    """What a generated function runs, for caches, statement logs, docs and tests.

    `reads`/`writes` are the relations the statement reads and changes, `calls` the functions
    it calls (read with PostgreSQL's parser; schema-qualified as the SQL writes them);
    `read_only` is true for a :one/:many that writes nothing and takes no
    lock; `columns` are the result's column names (an embedded table's columns included);
    `annotations` are the query's `-- @name value` lines.
    """

    name: str
    command: str
    sql: str
    source: str
    reads: frozenset[str]
    writes: frozenset[str]
    calls: frozenset[str]
    read_only: bool
    columns: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    annotations: tuple[tuple[str, str], ...]

    def annotation(self, name: str) -> str | None:
        """The value of annotation `name` ("" for a bare `-- @name`), or None."""
        return dict(self.annotations).get(name)


_F = TypeVar("_F", bound=Callable[..., Any])
_T = TypeVar("_T")


def describe(query: Query) -> Callable[[_F], _F]:
    """Attach query as the function's `query` attribute (see query_of)."""

    def attach(fn: _F) -> _F:
        setattr(fn, "query", query)  # noqa: B010 - a function has no declared attribute
        return fn

    return attach


def query_of(fn: Callable[..., Any]) -> Query | None:
    """The metadata of a generated function, or None for any other callable."""
    query = getattr(fn, "query", None)
    return query if isinstance(query, Query) else None


def not_found(query: Query) -> NotFoundError:
    """The error a :one raises when no row came back (no parameter value in it)."""
    return NotFoundError(f"{query.name}: no row found")


def rows(build: Callable[[Sequence[Any]], _T]) -> Callable[[Any], RowMaker[_T]]:
    """A psycopg row factory building each row with build."""

    def factory(cursor: Any) -> RowMaker[_T]:
        return build

    return factory'''

_NOT_FOUND = '''\
class NotFoundError(LookupError):
    """A :one query returned no row (a query marked `-- @optional` returns None instead)."""'''

_AWARE = '''\
def aware(value: Any, name: str) -> Any:
    """Refuse naive datetimes for timestamptz: PostgreSQL would read them in its TimeZone."""
    if isinstance(value, list):
        for item in value:
            aware(item, name)
    elif value is not None and value.tzinfo is None:
        msg = f"{name}: naive datetime for a timestamptz parameter; pass an aware datetime"
        raise ValueError(msg)
    return value'''

_CURSOR_NAMES = '''\
_cursor_ids = itertools.count()


def cursor_name(prefix: str) -> str:
    """A name for a server-side cursor, unique in this process."""
    return f"{prefix}_{next(_cursor_ids)}"'''


def render_support(gen: Generator) -> str:
    imports = Imports(gen.root)
    imports.module("dataclasses")
    imports.name("collections.abc", "Callable")
    imports.name("collections.abc", "Sequence")
    imports.name("typing", "Any")
    imports.name("typing", "TypeVar")
    imports.name("psycopg.rows", "RowMaker")
    blocks: list[list[str]] = []
    if gen.opts.not_found_error:
        module, _, name = gen.opts.not_found_error.rpartition(".")
        # Re-exported on purpose (`as`): `support.NotFoundError` is what callers may catch.
        imports.name(module, f"{name} as NotFoundError")
    else:
        blocks.append(_NOT_FOUND.splitlines())
    blocks.append(_METADATA.splitlines())
    if gen.needs_aware:
        blocks.append(_AWARE.splitlines())
    if gen.needs_cursor_names:
        imports.module("itertools")
        blocks.append(_CURSOR_NAMES.splitlines())
    for const, spec in sorted(gen.adapters.items()):
        imports.name("pydantic", "TypeAdapter")
        imports.name("typing", "Final")
        add_imports(imports, spec, gen.package)
        blocks.append([f"{const}: Final = TypeAdapter({spec.base})"])
    models = sorted(
        (m for m in gen.models.values() if m.class_name in gen.used_models),
        key=lambda m: m.class_name,
    )
    convert = not gen.opts.emit_pydantic_models
    for model in models:
        imports.name(gen.package, "models")
        items: list[str | Group] = []
        for i, (name, spec) in enumerate(model.fields):
            index = "v[i]" if i == 0 else f"v[i + {i}]"
            value = load_expr(gen, imports, spec, index, convert=convert)
            items.append(f"{name}={value}")
        cls = f"models.{model.class_name}"
        builder = f"{model.rows_name}_row"
        blocks.append(
            [
                f"def {builder}(v: Sequence[Any], i: int = 0) -> {cls}:",
                *render(Group(f"{cls}(", items, ")"), 1, "return "),
            ]
        )
        blocks.append(
            [
                f"def {model.rows_name}_rows(cursor: Any) -> RowMaker[{cls}]:",
                f"    return {builder}",
            ]
        )
    source = module_source(
        gen.banner([gen.schema_label(), *gen.req.query_paths]),
        "Shared helpers of the generated package: query metadata, the not-found error, one "
        "row builder per model.",
        imports,
        blocks,
    )
    # load_expr names support's own adapters as `support.X`: inside support they are local.
    return source.replace("support.", "")


def check_sources(files: dict[str, str], errors: list[str]) -> None:
    """Every generated file must be valid Python: a plugin bug fails `sqlc generate` here."""
    for name, text in sorted(files.items()):
        try:
            ast.parse(text, filename=name)
        except SyntaxError as exc:
            errors.append(
                f"generated {name} is not valid Python (line {exc.lineno}: {exc.msg}); this "
                "is a bug in sqlc-gen-psycopg, please report it with the query or schema "
                "that caused it"
            )
