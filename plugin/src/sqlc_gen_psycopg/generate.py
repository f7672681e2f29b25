"""GenerateRequest -> generated package files.

Planning (names, types, result shapes) is separate from rendering (source text), and every
problem found while planning is collected so one run reports all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath

from sqlc_gen_psycopg import __version__, naming, sqltext
from sqlc_gen_psycopg.errors import PluginError
from sqlc_gen_psycopg.options import Options, Override, parse_options
from sqlc_gen_psycopg.pytypes import (
    BASE_TYPES,
    ENUM,
    JSON,
    JSON_OVERRIDE,
    OVERRIDE,
    PLAIN,
    TIMESTAMPTZ,
    Import,
    TypeSpec,
    canonical,
    override_spec,
)
from sqlc_gen_psycopg.request import Column, Identifier, Query, Request, Table
from sqlc_gen_psycopg.writer import Group, Imports, docstring, module_source, py_string, render

ROW_COMMANDS = {":one", ":many", ":batchone", ":batchmany"}
COMMANDS = ROW_COMMANDS | {":exec", ":execrows", ":execresult", ":copyfrom", ":batchexec"}
BATCH_COMMANDS = {":batchexec", ":batchone", ":batchmany"}
RESERVED_MODULES = {"models", "enums", "aio", "__init__"}


# ---------------------------------------------------------------------------- plans


@dataclass
class EnumPlan:
    schema: str
    name: str
    pg_name: str  # what PostgreSQL resolves: "user_role" or "other.user_role"
    class_name: str
    members: list[tuple[str, str]]


@dataclass
class ModelPlan:
    table: Table
    class_name: str
    fields: list[tuple[str, TypeSpec]]
    not_null_index: int | None  # first NOT NULL column, to tell a missing outer-join row


@dataclass
class ParamPlan:
    number: int
    name: str
    spec: TypeSpec
    column: Column


@dataclass
class FieldPlan:
    name: str
    spec: TypeSpec | None  # None for an embed
    start: int  # index of its first value in the result row
    embed: ModelPlan | None = None
    embed_nullable: bool = False


@dataclass
class QueryPlan:
    query: Query
    func: str
    const: str
    sql: str
    params: list[ParamPlan]
    use_struct: bool
    params_class: str
    row_class: str  # "" when the rows are a table model or a scalar
    result: str  # "none" | "scalar" | "model" | "row"
    result_type: str  # annotation of one row, qualified for the defining module
    fields: list[FieldPlan] = field(default_factory=list)
    model: ModelPlan | None = None
    copy_types: list[str] = field(default_factory=list)

    @property
    def cmd(self) -> str:
        return self.query.cmd


# ---------------------------------------------------------------------------- generator


class Generator:
    def __init__(self, request: Request) -> None:
        self.req = request
        self.opts: Options = parse_options(request.options, request.out)
        self.errors: list[str] = []
        self.package = self.opts.package
        self.root = self.package.split(".")[0]
        self._domains: dict[str, str] | None = None
        self._views: dict[str, set[str]] | None = None
        # Option keys that matched something: the rest is reported, so that a typo such as
        # `messages.part` fails generation instead of silently falling back to JsonValue.
        self.used_renames: set[str] = set()
        self.used_overrides: set[int] = set()
        self.catalog = request.catalog
        self.default_schema = self.catalog.default_schema
        self.composites = {(c.schema, c.name) for c in self.catalog.composite_types}
        self.enums: dict[tuple[str, str], EnumPlan] = {}
        for e in sorted(self.catalog.enums, key=lambda e: (e.schema, e.name)):
            default = e.schema == self.default_schema
            base = self.renamed(e.name) or naming.pascal(
                e.name if default else f"{e.schema}_{e.name}"
            )
            base = naming.avoid(base, naming.IMPORTED_NAMES)
            members = naming.dedupe(
                [naming.enum_member(label, i) for i, label in enumerate(e.vals)]
            )
            self.enums[(e.schema, e.name)] = EnumPlan(
                e.schema,
                e.name,
                e.name if default else f"{e.schema}.{e.name}",
                base,
                list(zip(members, e.vals, strict=True)),
            )
        self.models: dict[tuple[str, str], ModelPlan] = {}
        seen: dict[str, str] = {}
        for table in sorted(self.catalog.tables, key=lambda t: t.name):
            if table.schema != self.default_schema:
                continue
            name = self.renamed(table.name) or naming.model_name(table.name)
            name = naming.avoid(name, naming.IMPORTED_NAMES)
            if name in seen:
                self.errors.append(
                    f"{self.schema_label()}: tables {seen[name]} and {table.name} both map to "
                    f"the model {name}; add `rename: {{{table.name}: OtherName}}` to the options"
                )
            seen[name] = table.name
            self.models[(table.schema, table.name)] = self._plan_model(table, name)

    # ------------------------------------------------------------------ labels and names

    def schema_label(self) -> str:
        return ", ".join(self.req.schema_paths) or "schema"

    def query_path(self, filename: str) -> str:
        for entry in self.req.query_paths:
            if entry.endswith(".sql"):
                if PurePosixPath(entry).name == filename:
                    return entry
            elif len(self.req.query_paths) == 1 or filename:
                return f"{entry.rstrip('/')}/{filename}"
        return filename

    def banner(self, sources: list[str]) -> list[str]:
        version = self.req.sqlc_version or "unknown"
        return [
            f"# Code generated by sqlc-gen-psycopg from {', '.join(sources)}. DO NOT EDIT.",
            f"# versions: sqlc {version}, sqlc-gen-psycopg {__version__}",
        ]

    def renamed(self, key: str) -> str | None:
        """The `rename` entry for key, recorded as used."""
        value = self.opts.rename.get(key)
        if value is not None:
            self.used_renames.add(key)
        return value

    def field_name(self, raw: str, index: int, table: str | None, reserved: set[str]) -> str:
        renamed = (table and self.renamed(f"{table}.{raw}")) or self.renamed(raw)
        name = renamed or naming.identifier(raw, f"column_{index + 1}")
        return naming.avoid(name, reserved)

    def field_reserved(self) -> set[str]:
        reserved = set(naming.MODULE_NAMES) | {"v", "make", "x"}
        if self.opts.emit_pydantic_models:
            reserved |= naming.PYDANTIC_RESERVED
        return reserved

    def module_reserved(self) -> set[str]:
        """Names a generated module-level function must not take."""
        roots = {ov.py_type.split(".")[0] for ov in self.opts.overrides if "." in ov.py_type}
        return set(naming.MODULE_NAMES | naming.IMPORTED_NAMES | naming.BUILTINS_USED) | roots

    # ------------------------------------------------------------------ types

    def domains(self) -> dict[str, str]:
        if self._domains is None:
            try:
                self._domains = sqltext.read_domains(self.req.schema_paths)
            except OSError:
                self._domains = {}
        return self._domains

    def _override_for_column(self, schema: str, table: str, column: str) -> Override | None:
        keys = {f"{table}.{column}", f"{schema or self.default_schema}.{table}.{column}"}
        for i, ov in enumerate(self.opts.overrides):
            if ov.column is not None and ov.column in keys:
                self.used_overrides.add(i)
                return ov
        return None

    def _override_for_type(self, name: str, schema: str, nullable: bool) -> Override | None:
        for i, ov in enumerate(self.opts.overrides):
            if ov.db_type is None:
                continue
            if ov.nullable is not None and ov.nullable != nullable:
                continue
            want, _ = canonical(ov.db_type)
            if want in (name, f"{schema}.{name}" if schema else name):
                self.used_overrides.add(i)
                return ov
        return None

    def _db_spec(
        self, type_id: Identifier, dims: int, nullable: bool, depth: int = 0
    ) -> TypeSpec | None:
        name, extra = canonical(type_id.name)
        schema = type_id.schema if type_id.schema not in ("", "pg_catalog") else ""
        if "." in name and not schema:
            schema, name = name.rsplit(".", 1)
        dims += extra
        spec: TypeSpec | None = None
        enum = self.enums.get((schema or self.default_schema, name))
        if enum is None and not schema:
            enum = next((e for (s, n), e in self.enums.items() if n == name), None)
        if name in BASE_TYPES and not schema:
            ann, imports, copy_type, kind = BASE_TYPES[name]
            if copy_type == "bpchar" and not dims:
                copy_type = "text"  # same binary form; psycopg has no scalar bpchar dumper
            spec = TypeSpec(
                base=ann,
                kind=kind,
                copy_type=copy_type + ("[]" if dims else "") if copy_type else "",
                imports=imports,
                json_wrapper={"json": "Json", "jsonb": "Jsonb"}.get(name, ""),
                pg_type=name,
            )
        elif enum is not None:
            spec = TypeSpec(
                base=f"enums.{enum.class_name}",
                kind=ENUM,
                copy_type="text" if dims == 0 else f"{enum.pg_name}[]",
                imports=(Import(self.package, "enums"),),
            )
        elif name in self.domains() and depth < 10:
            base_name, base_dims = canonical(self.domains()[name])
            spec = self._db_spec(Identifier(name=base_name), dims + base_dims, nullable, depth + 1)
            if spec is not None:
                dims = spec.dims
        spec = replace(spec, dims=dims, nullable=nullable) if spec is not None else None
        ov = self._override_for_type(name, schema, nullable)
        if ov is not None:
            base = spec or TypeSpec(base="", dims=dims, nullable=nullable)
            spec = override_spec(ov, base, whole=False)
        return spec

    def resolve(
        self, col: Column, where: str, table: Identifier | None = None, *, loaded: bool = False
    ) -> TypeSpec | None:
        """The Python type of a column or parameter, or None after recording an error.

        loaded: the value crosses psycopg (a query's column or parameter), not only a model.
        """
        nullable = not col.not_null
        dims = col.array_dims if col.is_array else 0
        table = table or col.table
        cname = col.original_name or col.name
        if table is not None and table.name:
            ov = self._override_for_column(table.schema, table.name, cname)
            if ov is not None:
                base = self._db_spec(col.type, dims, nullable) or TypeSpec(
                    base="", dims=dims, nullable=nullable
                )
                return override_spec(ov, base, whole=True)
        spec = self._db_spec(col.type, dims, nullable)
        if spec is not None:
            if loaded and spec.pg_type == "citext" and spec.dims and spec.kind == PLAIN:
                # psycopg knows no citext[] (an extension type, its oid differs per database):
                # it would hand back the text '{a,b}' and send text[]. Casting is exact.
                self.errors.append(
                    f"{where}: citext arrays are not supported (psycopg loads them as text); "
                    "cast in the query, e.g. `col::text[]` for a column or `@xs::text[]` for "
                    "a parameter (for :copyfrom, use an INSERT with :batchexec and the cast)"
                )
                return None
            return spec
        if col.type.name in ("", "any") and where.rpartition(": ")[2].startswith("parameter"):
            name = col.name or "x"
            self.errors.append(
                f"{where}: sqlc could not infer the parameter's type; cast it in the query, "
                f"e.g. `@{name}::text` or `sqlc.arg({name})::bigint`"
            )
            return None
        type_name = col.type.name or "(unknown)"
        if col.type.schema and col.type.schema != "pg_catalog":
            type_name = f"{col.type.schema}.{type_name}"
        what = (
            "a composite type, which sqlc-gen-psycopg cannot map"
            if (col.type.schema or self.default_schema, col.type.name) in (self.composites)
            else "a type sqlc-gen-psycopg cannot map"
        )
        column_hint = (
            f"{table.name}.{cname}" if table is not None and table.name else "table.column"
        )
        self.errors.append(
            f"{where}: {type_name!r} is {what} to Python; add an override to the plugin "
            f'options in sqlc.yaml, e.g. overrides: [{{db_type: "{col.type.name}", '
            f'py_type: "str"}}] or [{{column: "{column_hint}", py_type: "mypkg.types.MyType"}}], '
            "or cast it in the query (e.g. `expr::text`)"
        )
        return None

    def _plan_model(self, table: Table, class_name: str) -> ModelPlan:
        reserved = self.field_reserved()
        names = naming.dedupe(
            [self.field_name(c.name, i, table.name, reserved) for i, c in enumerate(table.columns)]
        )
        fields: list[tuple[str, TypeSpec]] = []
        not_null_index: int | None = None
        for i, (name, col) in enumerate(zip(names, table.columns, strict=True)):
            where = f"{self.schema_label()}: table {table.name}: column {col.name}"
            ident = Identifier(table.schema, table.name)
            spec = self.resolve(col, where, ident) or TypeSpec(base="object")
            fields.append((name, spec))
            if col.not_null and not_null_index is None:
                not_null_index = i
        return ModelPlan(table, class_name, fields, not_null_index)

    def views(self) -> dict[str, set[str]]:
        if self._views is None:
            try:
                self._views = sqltext.read_views(self.req.schema_paths)
            except OSError:
                self._views = {}
        return self._views

    def related_relations(self, names: set[str]) -> set[str]:
        """names plus the views defined over them (transitively).

        A result row reuses a model only from these, so adding an unrelated table with the
        same column names and types can never change a query's return type; a view over a
        queried table stays eligible (INSERT INTO users ... RETURNING the columns of the
        user_profiles view returns models.UserProfile).
        """
        related = set(names)
        while True:
            more = {v for v, uses in self.views().items() if v not in related and uses & related}
            if not more:
                return related
            related |= more

    # ------------------------------------------------------------------ queries

    def plan_query(self, q: Query) -> QueryPlan | None:
        path = self.query_path(q.filename)
        where = f"{path}: query {q.name} ({q.cmd})"
        if q.cmd == ":execlastid":
            self.errors.append(
                f"{where}: :execlastid is not meaningful on PostgreSQL (there is no last insert "
                "id); add `RETURNING id` to the statement and use :one instead"
            )
            return None
        if q.cmd not in COMMANDS:
            self.errors.append(f"{where}: unknown command {q.cmd!r}; use one of {sorted(COMMANDS)}")
            return None
        module = naming.identifier(PurePosixPath(q.filename).stem, "queries")
        # A module-level function must not rebind what the module imports or uses: `models`,
        # `Any`, `list`, the sync module the async twin imports (query `Q` in q.sql), the
        # root package of an override type. Same rule as for fields: a trailing underscore.
        func = naming.avoid(naming.snake(q.name), self.module_reserved() | {module})
        const = naming.upper_snake(q.name)
        if not func or not func[0].isalpha():
            self.errors.append(f"{where}: the name does not give a Python identifier; rename it")
            return None

        # Parameters
        reserved = set(naming.MODULE_NAMES | naming.FUNCTION_RESERVED | naming.NAMEDTUPLE_RESERVED)
        reserved.add(PurePosixPath(q.filename).stem)
        params: list[ParamPlan] = []
        raw_names: list[str] = []
        ordered = sorted(q.params, key=lambda p: p.number)
        for p in ordered:
            raw = p.column.name
            renamed = self.renamed(raw) if raw else None
            col_table = p.column.table.name if p.column.table else ""
            if raw and col_table and not p.column.is_named_param:
                # `WHERE name = $1` takes the column's name, so it takes its rename too; an
                # explicit `@name`/`sqlc.arg(name)` keeps the name its author wrote.
                renamed = self.renamed(f"{col_table}.{p.column.original_name or raw}") or renamed
            raw_names.append(
                naming.avoid(renamed or naming.identifier(raw, f"dollar_{p.number}"), reserved)
            )
        sql = q.text
        cast_slices = (
            sqltext.cast_slices(sqltext.query_source(path, q.name)) if "::" in sql else set()
        )
        for p, name in zip(ordered, naming.dedupe(raw_names), strict=True):
            spec = self.resolve(p.column, f"{where}: parameter {name!r}", loaded=True)
            if spec is None:
                continue
            if not p.column.is_sqlc_slice and p.column.name.lower() in cast_slices:
                # sqlc expands `IN (sqlc.slice(xs)::t[])` to `IN ($n::t[])` without marking it
                # a slice; left alone, PostgreSQL would compare each x with the whole array.
                sql, found = sqltext.rewrite_slice(sql, p.number)
                if not found or not spec.dims:
                    self.errors.append(
                        f"{where}: sqlc.slice({p.column.name}) with a cast must read "
                        f"`IN (sqlc.slice({p.column.name})::type[])` (an array type); better, "
                        f"leave it uncast: `IN (sqlc.slice({p.column.name}))`"
                    )
                spec = replace(spec, nullable=False)
            elif p.column.is_sqlc_slice:
                spec = replace(spec, dims=spec.dims + 1, nullable=False)
                sql, found = sqltext.rewrite_slice(sql, p.number)
                if not found:
                    self.errors.append(
                        f"{where}: sqlc.slice({name}) must be used as `IN (sqlc.slice({name}))`"
                    )
            if spec.kind in (JSON, JSON_OVERRIDE) and spec.dims > 1:
                self.errors.append(
                    f"{where}: parameter {name!r}: multi-dimensional json arrays are not "
                    "supported; pass one jsonb value instead"
                )
            params.append(ParamPlan(p.number, name, spec, p.column))
        if len(params) != len(ordered):
            return None

        struct = q.cmd in BATCH_COMMANDS or q.cmd == ":copyfrom"
        struct = struct or len(params) > self.opts.query_parameter_limit
        base_name = (
            q.name if q.name.isidentifier() and q.name[0].isupper() else naming.pascal(q.name)
        )
        params_class = naming.avoid(f"{base_name}Params", naming.IMPORTED_NAMES) if struct else ""

        plan = QueryPlan(
            query=q,
            func=func,
            const=const,
            sql="",
            params=params,
            use_struct=struct,
            params_class=params_class,
            row_class="",
            result="none",
            result_type="None",
        )

        if q.cmd == ":copyfrom":
            table = q.insert_into_table
            if table is None or not table.name:
                self.errors.append(
                    f"{where}: :copyfrom needs `INSERT INTO table (cols) VALUES (...)`"
                )
                return None
            cols = [sqltext.quote_ident(pp.column.original_name or pp.column.name) for pp in params]
            target = sqltext.quote_ident(table.name)
            if table.schema:
                target = f"{sqltext.quote_ident(table.schema)}.{target}"
            plan.sql = (
                f"-- name: {q.name} {q.cmd}\n"
                f"COPY {target} ({', '.join(cols)}) FROM STDIN (FORMAT BINARY)"
            )
            for pp in params:
                # psycopg has no bpchar dumper, so `bpchar[]` cannot be set_types()'d, and a
                # text[] would be refused by the server (binary arrays carry the element oid).
                if not pp.spec.copy_type or pp.spec.copy_type == "bpchar[]":
                    self.errors.append(
                        f"{where}: column {pp.name!r} has no binary COPY type psycopg knows; "
                        "use a plain INSERT with :batchexec instead"
                    )
            plan.copy_types = [pp.spec.copy_type for pp in params]
            return plan

        plan.sql = f"-- name: {q.name} {q.cmd}\n" + sqltext.to_psycopg(
            sql, {p.number: p.name for p in params}
        )
        if q.cmd in ROW_COMMANDS:
            if not q.columns:
                self.errors.append(
                    f"{where}: {q.cmd} needs a statement that returns rows; add RETURNING or "
                    "use :exec"
                )
                return None
            if not self._plan_result(plan, where):
                return None
        return plan

    def _plan_result(self, plan: QueryPlan, where: str) -> bool:
        q = plan.query
        outer = sqltext.outer_joined(q.text)
        # sqlc reports a column of a LEFT JOINed table as nullable, but not one that comes
        # through an outer-joined subquery (`LEFT JOIN LATERAL (...) r`) or bracketed join
        # (`LEFT JOIN (t JOIN u ON ..) ON ..`): the same conservative scan as for embeds.
        cols = [
            replace(c, not_null=False)
            if c.embed_table is None and c.table is not None and c.table.name.lower() in outer
            else c
            for c in q.columns
        ]
        if len(cols) == 1 and cols[0].embed_table is None:
            spec = self.resolve(cols[0], f"{where}: column {cols[0].name or 1!r}", loaded=True)
            if spec is None:
                return False
            plan.result = "scalar"
            plan.fields = [FieldPlan("value", spec, 0)]
            plan.result_type = spec.annotation
            return True

        reserved = self.field_reserved()
        fields: list[FieldPlan] = []
        names: list[str] = []
        index = 0
        ok = True
        for i, col in enumerate(cols):
            if col.embed_table is not None:
                et = col.embed_table
                model = self.models.get((et.schema or self.default_schema, et.name))
                if model is None:
                    self.errors.append(
                        f"{where}: sqlc.embed({et.name}) needs a table of the default schema "
                        f"({self.default_schema}); select its columns instead"
                    )
                    ok = False
                    continue
                names.append(naming.avoid(naming.snake(model.class_name), reserved))
                nullable = et.name.lower() in outer or col.name.lower() in outer
                fields.append(FieldPlan("", None, index, model, nullable))
                index += len(model.fields)
                continue
            table = col.table.name if col.table else None
            names.append(self.field_name(col.name, i, table, reserved))
            spec = self.resolve(col, f"{where}: column {col.name or i + 1!r}", loaded=True)
            if spec is None:
                ok = False
                continue
            fields.append(FieldPlan("", spec, index))
            index += 1
        if not ok:
            return False
        for f, name in zip(fields, naming.dedupe(names), strict=True):
            f.name = name
        plan.fields = fields

        if all(f.embed is None for f in fields):
            shape = [(f.name, f.spec.annotation if f.spec else "") for f in fields]
            tables = {c.table.name for c in cols if c.table is not None}
            allowed = self.related_relations(tables | sqltext.referenced(q.text))
            candidates = sorted(
                (m for m in self.models.values() if m.table.name in allowed),
                key=lambda m: (m.table.name not in tables, m.class_name),
            )
            for model in candidates:
                if [(n, s.annotation) for n, s in model.fields] == shape:
                    plan.result = "model"
                    plan.model = model
                    plan.result_type = f"models.{model.class_name}"
                    return True
        plan.result = "row"
        base_name = (
            q.name if q.name.isidentifier() and q.name[0].isupper() else naming.pascal(q.name)
        )
        plan.row_class = naming.avoid(f"{base_name}Row", naming.IMPORTED_NAMES)
        plan.result_type = plan.row_class
        return True

    # ------------------------------------------------------------------ run

    def run(self) -> dict[str, str]:
        by_file: dict[str, list[QueryPlan]] = {}
        modules: dict[str, str] = {}
        for q in self.req.queries:
            plan = self.plan_query(q)
            module = naming.identifier(PurePosixPath(q.filename).stem, "queries")
            if module in RESERVED_MODULES or naming.avoid(module, set()) != module:
                self.errors.append(
                    f"{self.query_path(q.filename)}: the query file name gives the module "
                    f"{module!r}, which clashes with a generated or reserved name; rename the file"
                )
                continue
            if modules.setdefault(module, q.filename) != q.filename:
                self.errors.append(
                    f"{self.query_path(q.filename)} and {self.query_path(modules[module])} both "
                    f"give the module {module!r}; rename one of them"
                )
                continue
            if plan is not None:
                by_file.setdefault(q.filename, []).append(plan)
        for plans in by_file.values():
            seen: dict[str, str] = {}
            for plan in plans:
                for name in (plan.func, f"iter_{plan.func}"):
                    if name in seen and seen[name] != plan.query.name:
                        self.errors.append(
                            f"{self.query_path(plan.query.filename)}: queries {seen[name]} and "
                            f"{plan.query.name} both give the function {name}; rename one"
                        )
                    seen[name] = plan.query.name
        if not self.errors:  # after other errors, a half-planned query may be what used a key
            self.errors += self.unused_options()
        if self.errors:
            raise PluginError(self.errors)

        files: dict[str, str] = {}
        files["__init__.py"] = self.render_init(sorted(modules), aio=False)
        files["models.py"] = self.render_models()
        files["enums.py"] = self.render_enums()
        if self.opts.emit_async:
            files["aio/__init__.py"] = self.render_init(sorted(modules), aio=True)
        for filename in sorted(by_file):
            module = naming.identifier(PurePosixPath(filename).stem, "queries")
            plans = by_file[filename]
            if self.opts.emit_sync:
                files[f"{module}.py"] = QueryModule(
                    self, module, filename, plans, False, None
                ).source()
            if self.opts.emit_async:
                shared = module if self.opts.emit_sync else None
                files[f"aio/{module}.py"] = QueryModule(
                    self, module, filename, plans, True, shared
                ).source()
        if self.errors:
            raise PluginError(self.errors)
        return files

    def unused_options(self) -> list[str]:
        errors: list[str] = []
        unused = [
            f"overrides[{i}] ({'column' if ov.column else 'db_type'}: "
            f"{ov.column or ov.db_type}"
            + ("" if ov.nullable is None else f", nullable: {str(ov.nullable).lower()}")
            + ")"
            for i, ov in enumerate(self.opts.overrides)
            if i not in self.used_overrides
        ]
        if unused:
            errors.append(
                f"option `overrides`: {', '.join(unused)} match no column or type in the schema "
                "or the queries; check the spelling (`table.column`, `schema.table.column`, "
                "a type name such as `jsonb`) or remove them"
            )
        renames = sorted(set(self.opts.rename) - self.used_renames)
        if renames:
            errors.append(
                f"option `rename`: {', '.join(renames)} match no table, enum, column or "
                "parameter; check the spelling (`table`, `table.column`, `name`) or remove them"
            )
        return errors

    # ------------------------------------------------------------------ static modules

    def render_init(self, modules: list[str], *, aio: bool) -> str:
        sources = [*self.req.schema_paths, *self.req.query_paths]
        if aio:
            doc = [
                "Async twins of the query modules: same function names, psycopg.AsyncConnection.",
                "",
                "Modules: " + (", ".join(modules) or "(none)") + ".",
            ]
        else:
            doc = [
                "Typed psycopg 3 queries generated by sqlc-gen-psycopg; import the modules directly.",
                "",
                "Modules: "
                + ", ".join(["models", "enums", *modules])
                + (", aio (async twins)" if self.opts.emit_async else "")
                + ".",
            ]
        lines = [*self.banner(sources), *docstring(doc, 0)]
        return "\n".join(lines) + "\n"

    def render_models(self) -> str:
        imports = Imports(self.root)
        blocks: list[list[str]] = []
        pydantic_mode = self.opts.emit_pydantic_models
        for model in sorted(self.models.values(), key=lambda m: m.class_name):
            lines: list[str] = []
            if pydantic_mode:
                imports.name("pydantic", "BaseModel")
                imports.name("pydantic", "ConfigDict")
                lines.append(f"class {model.class_name}(BaseModel):")
            else:
                imports.module("dataclasses")
                lines.append("@dataclasses.dataclass(frozen=True, slots=True)")
                lines.append(f"class {model.class_name}:")
            comment = model.table.comment or f"A row of {model.table.name}."
            lines.extend(docstring(comment.splitlines(), 1))
            lines.append("")
            if pydantic_mode:
                lines.extend(["    model_config = ConfigDict(frozen=True)", ""])
            for name, spec in model.fields:
                add_imports(imports, spec, self.package, skip_module="models")
                lines.append(f"    {name}: {spec.annotation}")
            blocks.append(lines)
        return module_source(
            self.banner([self.schema_label()]),
            "Models of the tables and views in the schema: one per relation, "
            + ("frozen pydantic models." if pydantic_mode else "frozen slotted dataclasses."),
            imports,
            blocks,
        )

    def render_enums(self) -> str:
        imports = Imports(self.root)
        imports.module("enum")
        imports.name("typing", "Any")
        imports.name("typing", "Final")
        imports.module("psycopg")
        imports.name("psycopg.types.enum", "EnumInfo")
        imports.name("psycopg.types.enum", "register_enum")
        blocks: list[list[str]] = []
        for e in sorted(self.enums.values(), key=lambda e: e.class_name):
            lines = [f"class {e.class_name}(enum.StrEnum):"]
            lines.extend(docstring([f"PostgreSQL enum {e.pg_name}."], 1))
            lines.append("")
            lines.extend(f"    {member} = {py_string_short(label)}" for member, label in e.members)
            blocks.append(lines)
        items: list[str | Group] = [
            f"({py_string_short(e.pg_name)}, {e.class_name})"
            for e in sorted(self.enums.values(), key=lambda e: e.pg_name)
        ]
        blocks.append(
            render(
                Group("(", items, ",)" if len(items) == 1 else ")"),
                0,
                "ENUM_TYPES: Final[tuple[tuple[str, type[enum.StrEnum]], ...]] = ",
            )
            if items
            else ["ENUM_TYPES: Final[tuple[tuple[str, type[enum.StrEnum]], ...]] = ()"]
        )
        blocks.append(
            [
                "_FETCH_ENUM_TYPES: Final = " + py_string(_FETCH_ENUM_TYPES_SQL),
            ]
        )
        blocks.append(_REGISTER_SOURCE.splitlines())
        return module_source(
            self.banner([self.schema_label()]),
            "PostgreSQL enums as StrEnums (values are the labels) and their psycopg registration.",
            imports,
            blocks,
        )


def py_string_short(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def add_imports(imports: Imports, spec: TypeSpec, package: str, skip_module: str = "") -> None:
    for imp in spec.imports:
        if imp.name is None:
            imports.module(imp.module)
        elif imp.module == package and imp.name == skip_module:
            continue
        else:
            imports.name(imp.module, imp.name)


_FETCH_ENUM_TYPES_SQL = """-- name: FetchEnumTypes :many
SELECT n.name, t.oid, t.typarray, t.oid::regtype::text,
    ARRAY(SELECT e.enumlabel FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder)
FROM unnest(%(names)s::text[]) AS n (name)
JOIN pg_type t ON t.oid = n.name::regtype"""

_REGISTER_SOURCE = '''\
def register_enums(conn: psycopg.Connection[Any]) -> None:
    """Make conn load and dump the enums as the StrEnums above, arrays included.

    Call it once per connection (e.g. from the pool's `configure`, then commit or roll back).
    Scalar enum columns load without it (pydantic converts the labels); enum arrays,
    COPY of enum arrays and `emit_pydantic_models: false` need it.
    """
    if not ENUM_TYPES:
        return
    with conn.cursor() as cur:
        cur.execute(_FETCH_ENUM_TYPES, {"names": [name for name, _ in ENUM_TYPES]})
        _register(conn, cur.fetchall())


async def register_enums_async(conn: psycopg.AsyncConnection[Any]) -> None:
    """The async twin of register_enums()."""
    if not ENUM_TYPES:
        return
    async with conn.cursor() as cur:
        await cur.execute(_FETCH_ENUM_TYPES, {"names": [name for name, _ in ENUM_TYPES]})
        _register(conn, await cur.fetchall())


def _register(
    conn: psycopg.Connection[Any] | psycopg.AsyncConnection[Any], rows: list[Any]
) -> None:
    classes = dict(ENUM_TYPES)
    for name, oid, array_oid, regtype, labels in rows:
        cls = classes[name]
        info = EnumInfo(name, oid, array_oid, labels, regtype=regtype)
        register_enum(info, conn, cls, mapping={member: member.value for member in cls})'''


# ---------------------------------------------------------------------------- query modules


class QueryModule:
    """One query file rendered as a sync module, or as its async twin."""

    def __init__(
        self,
        gen: Generator,
        module: str,
        filename: str,
        plans: list[QueryPlan],
        is_async: bool,
        shared_from: str | None,
    ) -> None:
        self.gen = gen
        self.module = module
        self.filename = filename
        self.plans = plans
        self.is_async = is_async
        self.shared_from = shared_from  # sync module holding constants, rows and helpers
        self.q = f"{shared_from}." if shared_from else ""
        self.imports = Imports(gen.root)
        self.needs_aware = False
        self.adapters: dict[str, str] = {}  # constant -> annotation
        self.needs_cursor_ids = False
        self.pydantic = gen.opts.emit_pydantic_models
        if shared_from:
            self.imports.name(gen.package, shared_from)

    # ------------------------------------------------------------------ helpers

    def ann(self, spec: TypeSpec) -> str:
        add_imports(self.imports, spec, self.gen.package)
        return spec.annotation

    def use_adapter(self, spec: TypeSpec) -> str:
        if not self.shared_from:
            self.adapters[spec.adapter] = spec.base
            add_imports(self.imports, spec, self.gen.package)
        return f"{self.q}{spec.adapter}"

    def shared(self, name: str) -> str:
        return f"{self.q}{name}"

    def dump_expr(self, spec: TypeSpec, expr: str, label: str) -> str:
        """The value psycopg gets for a parameter."""
        if spec.kind == TIMESTAMPTZ and spec.dims <= 1:
            self.needs_aware = True
            return f'{self.shared("_aware")}({expr}, "{label}")'
        if spec.kind in (JSON, JSON_OVERRIDE):
            wrapper = spec.json_wrapper or "Jsonb"
            self.imports.name("psycopg.types.json", wrapper)
            dumps = (
                f", dumps={self.use_adapter(spec)}.dump_json" if spec.kind == JSON_OVERRIDE else ""
            )
            if spec.dims and not spec.whole:
                inner = f"[{wrapper}(x{dumps}) for x in {expr}]"
            else:
                inner = f"{wrapper}({expr}{dumps})"
            return f"None if {expr} is None else {inner}" if spec.nullable else inner
        return expr

    def load_expr(self, spec: TypeSpec, expr: str, *, convert: bool) -> str:
        """The Python value for a result column (pydantic models convert by themselves)."""
        if not convert:
            return expr
        if spec.kind == ENUM and spec.dims == 0:
            add_imports(self.imports, spec, self.gen.package)
            value = f"{spec.base}({expr})"
        elif spec.kind in (OVERRIDE, JSON_OVERRIDE):
            value = f"{self.use_adapter(spec)}.validate_python({expr})"
        else:
            return expr
        return f"None if {expr} is None else {value}" if spec.nullable else value

    def args_group(self, plan: QueryPlan, source: str) -> Group:
        items: list[str | Group] = []
        for p in plan.params:
            expr = f"{source}{p.name}"
            items.append(
                f'"{p.name}": {self.dump_expr(p.spec, expr, f"{plan.func}({p.name}=...)")}'
            )
        return Group("{", items, "}")

    def signature(self, plan: QueryPlan, name: str, returns: str) -> list[str]:
        conn = "psycopg.AsyncConnection[Any]" if self.is_async else "psycopg.Connection[Any]"
        self.imports.module("psycopg")
        self.imports.name("typing", "Any")
        args: list[str | Group] = [f"conn: {conn}"]
        if plan.cmd == ":copyfrom":
            self.imports.name("collections.abc", "Iterable")
            args += ["*", f"rows: Iterable[{self.shared(plan.params_class)}]"]
        elif plan.cmd in BATCH_COMMANDS:
            self.imports.name("collections.abc", "Iterable")
            args += ["*", f"params: Iterable[{self.shared(plan.params_class)}]"]
        elif plan.use_struct:
            args += ["*", f"params: {self.shared(plan.params_class)}"]
        elif plan.params:
            args.append("*")
            # A nullable parameter (sqlc.narg, or a nullable column) may be left out: None.
            args += [
                f"{p.name}: {self.ann(p.spec)}" + (" = None" if p.spec.nullable else "")
                for p in plan.params
            ]
        prefix = "async def" if self.is_async else "def"
        return render(Group(f"{prefix} {name}(", args, f") -> {returns}:"), 0)

    def row_type(self, plan: QueryPlan) -> str:
        if plan.result == "scalar":
            return self.ann(plan.fields[0].spec or TypeSpec(base="object"))
        if plan.result == "model":
            self.imports.name(self.gen.package, "models")
            return plan.result_type
        return self.shared(plan.row_class)

    def execute_args(self, plan: QueryPlan) -> str | Group:
        if plan.use_struct:
            return f"{self.shared('_' + plan.func + '_args')}(params)"
        return self.args_group(plan, "")

    # ------------------------------------------------------------------ shared blocks

    def shared_blocks(self, plan: QueryPlan) -> list[list[str]]:
        blocks: list[list[str]] = []
        self.imports.name("typing", "Final")
        blocks.append([f"{plan.const}: Final = {py_string(plan.sql)}"])
        if plan.use_struct:
            self.imports.name("typing", "NamedTuple")
            lines = [f"class {plan.params_class}(NamedTuple):"]
            lines += docstring([f"Parameters of {plan.query.name}."], 1)
            lines.append("")
            lines += [f"    {p.name}: {self.ann(p.spec)}" for p in plan.params]
            blocks.append(lines)
        if plan.result == "row":
            blocks.append(self.row_class_block(plan))
        if plan.result != "none":
            blocks.append(self.row_factory_block(plan))
        if plan.use_struct and plan.cmd != ":copyfrom":
            self.imports.name("typing", "Any")
            group = self.args_group(plan, "p.")
            body = render(group, 1, "return ")
            blocks.append(
                [f"def _{plan.func}_args(p: {plan.params_class}) -> dict[str, Any]:", *body]
            )
        if plan.cmd == ":copyfrom" and any(p.spec.kind == JSON_OVERRIDE for p in plan.params):
            self.imports.name("typing", "Any")
            items: list[str | Group] = [
                self.dump_expr(p.spec, f"p.{p.name}", p.name)
                if p.spec.kind == JSON_OVERRIDE
                else f"p.{p.name}"
                for p in plan.params
            ]
            body = render(Group("(", items, ",)" if len(items) == 1 else ")"), 1, "return ")
            blocks.append(
                [f"def _{plan.func}_copy_row(p: {plan.params_class}) -> tuple[Any, ...]:", *body]
            )
        return blocks

    def row_class_block(self, plan: QueryPlan) -> list[str]:
        lines: list[str] = []
        if self.pydantic:
            self.imports.name("pydantic", "BaseModel")
            self.imports.name("pydantic", "ConfigDict")
            lines.append(f"class {plan.row_class}(BaseModel):")
        else:
            self.imports.module("dataclasses")
            lines += ["@dataclasses.dataclass(frozen=True, slots=True)", f"class {plan.row_class}:"]
        lines += docstring([f"A row of {plan.query.name}."], 1)
        lines.append("")
        if self.pydantic:
            lines += ["    model_config = ConfigDict(frozen=True)", ""]
        for f in plan.fields:
            if f.embed is not None:
                self.imports.name(self.gen.package, "models")
                ann = f"models.{f.embed.class_name}" + (" | None" if f.embed_nullable else "")
            else:
                ann = self.ann(f.spec or TypeSpec(base="object"))
            lines.append(f"    {f.name}: {ann}")
        return lines

    def model_call(self, model: ModelPlan, start: int) -> Group:
        self.imports.name(self.gen.package, "models")
        items: list[str | Group] = [
            f"{name}={self.load_expr(spec, f'v[{start + i}]', convert=not self.pydantic)}"
            for i, (name, spec) in enumerate(model.fields)
        ]
        return Group(f"models.{model.class_name}(", items, ")")

    def row_factory_block(self, plan: QueryPlan) -> list[str]:
        self.imports.name("typing", "Any")
        self.imports.name("collections.abc", "Sequence")
        self.imports.name("psycopg.rows", "RowMaker")
        rtype = self.row_type(plan)
        body: list[str] = []
        if plan.result == "scalar":
            spec = plan.fields[0].spec or TypeSpec(base="object")
            value = self.load_expr(spec, "v[0]", convert=True)
            seq = "Any" if value != "v[0]" else rtype
            body += render(value, 2, "return ")
        elif plan.result == "model" and plan.model is not None:
            seq = "Any"
            body += render(self.model_call(plan.model, 0), 2, "return ")
        else:
            seq = "Any"
            items: list[str | Group] = []
            for f in plan.fields:
                if f.embed is not None:
                    call = self.model_call(f.embed, f.start)
                    if f.embed_nullable:
                        ann = f"models.{f.embed.class_name} | None"
                        body.append(f"        {f.name}: {ann} = None")
                        if f.embed.not_null_index is not None:
                            body.append(
                                f"        if v[{f.start + f.embed.not_null_index}] is not None:"
                            )
                        else:
                            end = f.start + len(f.embed.fields)
                            body.append(
                                f"        if any(x is not None for x in v[{f.start}:{end}]):"
                            )
                        body += render(call, 3, f"{f.name} = ")
                    else:
                        body += render(call, 2, f"{f.name} = ")
                    items.append(f"{f.name}={f.name}")
                else:
                    spec = f.spec or TypeSpec(base="object")
                    items.append(
                        f"{f.name}={self.load_expr(spec, f'v[{f.start}]', convert=not self.pydantic)}"
                    )
            body += render(Group(f"{plan.row_class}(", items, ")"), 2, "return ")
        return [
            f"def _{plan.func}_row(cursor: Any) -> RowMaker[{rtype}]:",
            f"    def make(v: Sequence[{seq}]) -> {rtype}:",
            *body,
            "",
            "    return make",
        ]

    # ------------------------------------------------------------------ functions

    def doc(self, plan: QueryPlan, extra: list[str] | None = None) -> list[str]:
        lines = [c[1:] if c.startswith(" ") else c for c in plan.query.comments]
        if extra:
            lines = [*lines, "", *extra] if lines else extra
        return docstring(lines, 1)

    def function_blocks(self, plan: QueryPlan) -> list[list[str]]:
        aw = "await " if self.is_async else ""
        awith = "async with" if self.is_async else "with"
        const = self.shared(plan.const)
        rtype = self.row_type(plan) if plan.result != "none" else "None"
        factory = self.shared(f"_{plan.func}_row")
        blocks: list[list[str]] = []
        cmd = plan.cmd
        args = self.execute_args(plan) if cmd not in BATCH_COMMANDS | {":copyfrom"} else ""

        def execute(indent: int, method: str = "cur.execute") -> list[str]:
            return render(Group(f"{method}(", [const, args], ")"), indent, aw)

        if cmd in (":one", ":many"):
            if cmd == ":one":
                returns = rtype if rtype.endswith("| None") else f"{rtype} | None"
                fetch = "fetchone"
            else:
                returns = f"list[{rtype}]"
                fetch = "fetchall"
            lines = self.signature(plan, plan.func, returns) + self.doc(plan)
            lines += render(
                Group("conn.cursor(", [f"row_factory={factory}"], ")"), 1, f"{awith} ", " as cur:"
            )
            lines += execute(2)
            lines.append(f"        return {aw}cur.{fetch}()")
            blocks.append(lines)
            if cmd == ":many":
                self.needs_cursor_ids = True
                if self.is_async:
                    self.imports.name("collections.abc", "AsyncIterator")
                    returns = f"AsyncIterator[{rtype}]"
                else:
                    self.imports.name("collections.abc", "Iterator")
                    returns = f"Iterator[{rtype}]"
                name = f"iter_{plan.func}"
                lines = self.signature(plan, name, returns)
                lines += self.doc(
                    plan,
                    [
                        "Streams the rows through a server-side cursor, so it must run inside a",
                        "transaction (not in autocommit mode).",
                    ],
                )
                cursor_name = f'f"{plan.func}_{{next(_cursor_ids)}}"'
                lines += render(
                    Group("conn.cursor(", [cursor_name, f"row_factory={factory}"], ")"),
                    1,
                    f"{awith} ",
                    " as cur:",
                )
                lines += execute(2)
                if self.is_async:
                    lines += ["        async for row in cur:", "            yield row"]
                else:
                    lines.append("        yield from cur")
                blocks.append(lines)
        elif cmd in (":exec", ":execrows"):
            returns = "None" if cmd == ":exec" else "int"
            lines = self.signature(plan, plan.func, returns) + self.doc(plan)
            lines.append(f"    {awith} conn.cursor() as cur:")
            lines += execute(2)
            if cmd == ":execrows":
                lines.append("        return cur.rowcount")
            blocks.append(lines)
        elif cmd == ":execresult":
            returns = "psycopg.AsyncCursor[Any]" if self.is_async else "psycopg.Cursor[Any]"
            lines = self.signature(plan, plan.func, returns) + self.doc(plan)
            lines += render(Group("conn.execute(", [const, args], ")"), 1, f"return {aw}")
            blocks.append(lines)
        elif cmd == ":copyfrom":
            lines = self.signature(plan, plan.func, "int") + self.doc(plan)
            lines.append(f"    {awith} conn.cursor() as cur:")
            lines.append(f"        {awith} cur.copy({const}) as copy:")
            types = Group("[", [f'"{t}"' for t in plan.copy_types], "]")
            lines += render(Group("copy.set_types(", [types], ")"), 3)
            lines.append("            for row in rows:")
            if any(p.spec.kind == JSON_OVERRIDE for p in plan.params):
                row = f"{self.shared('_' + plan.func + '_copy_row')}(row)"
            else:
                row = "row"
            lines.append(f"                {aw}copy.write_row({row})")
            lines.append("        return cur.rowcount")
            blocks.append(lines)
        else:  # batch
            call = Group(
                "cur.executemany(",
                [const, f"map({self.shared('_' + plan.func + '_args')}, params)"]
                + ([] if cmd == ":batchexec" else ["returning=True"]),
                ")",
            )
            if cmd == ":batchexec":
                returns = "None"
                lines = self.signature(plan, plan.func, returns) + self.doc(plan)
                lines.append(f"    {awith} conn.cursor() as cur:")
                lines += render(call, 2, aw)
            else:
                fetch = "fetchone" if cmd == ":batchone" else "fetchall"
                one = rtype if rtype.endswith("| None") else f"{rtype} | None"
                returns = f"list[{one}]" if cmd == ":batchone" else f"list[list[{rtype}]]"
                lines = self.signature(plan, plan.func, returns) + self.doc(plan)
                lines += render(
                    Group("conn.cursor(", [f"row_factory={factory}"], ")"),
                    1,
                    f"{awith} ",
                    " as cur:",
                )
                lines += render(call, 2, aw)
                loop = "async for" if self.is_async else "for"
                lines.append(f"        return [{aw}cur.{fetch}() {loop} _ in cur.results()]")
            blocks.append(lines)
        return blocks

    # ------------------------------------------------------------------ assembly

    def source(self) -> str:
        query_blocks: list[list[str]] = []
        for plan in self.plans:
            if not self.shared_from:
                query_blocks += self.shared_blocks(plan)
            query_blocks += self.function_blocks(plan)
        top: list[list[str]] = []
        if self.needs_cursor_ids:
            self.imports.module("itertools")
            top.append(["_cursor_ids = itertools.count()"])
        if not self.shared_from:
            for const, base in sorted(self.adapters.items()):
                self.imports.name("pydantic", "TypeAdapter")
                self.imports.name("typing", "Final")
                top.append([f"{const}: Final = TypeAdapter({base})"])
            if self.needs_aware:
                self.imports.name("typing", "Any")
                top.append(_AWARE_SOURCE.splitlines())
        path = self.gen.query_path(self.filename)
        if self.is_async:
            doc = f"Async twins of the queries in {path} (same names, psycopg.AsyncConnection)."
        else:
            doc = f"Queries from {path}."
        return module_source(self.gen.banner([path]), doc, self.imports, [*top, *query_blocks])


_AWARE_SOURCE = '''\
def _aware(value: Any, name: str) -> Any:
    """Refuse naive datetimes for timestamptz: PostgreSQL would read them in its TimeZone."""
    if isinstance(value, list):
        for item in value:
            _aware(item, name)
    elif value is not None and value.tzinfo is None:
        msg = f"{name}: naive datetime for a timestamptz parameter; pass an aware datetime"
        raise ValueError(msg)
    return value'''


def generate(request: Request) -> dict[str, str]:
    """Files to write under the codegen `out` folder, by relative path."""
    return Generator(request).run()
