"""Planning: the catalog's enums and models, then each query's parameters and result shape."""

from __future__ import annotations

from dataclasses import replace
from pathlib import PurePosixPath

from sqlc_gen_psycopg import casts, markers, naming, sqltext
from sqlc_gen_psycopg.macros import read_macros
from sqlc_gen_psycopg.plans import (
    BATCH_COMMANDS,
    COMMANDS,
    ROW_COMMANDS,
    EnumPlan,
    FieldPlan,
    ModelPlan,
    ParamPlan,
    QueryPlan,
)
from sqlc_gen_psycopg.pytypes import JSON, JSON_OVERRIDE, TypeSpec
from sqlc_gen_psycopg.request import Column, Identifier, Query, Table
from sqlc_gen_psycopg.resolve import TypeResolver
from sqlc_gen_psycopg.statement import analyze


class Planner(TypeResolver):
    def plan_catalog(self) -> None:
        """One enum plan per enum, one model per table or view of the default schema."""
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
                e.comment,
            )
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

    def model_for(self, schema: str, name: str) -> ModelPlan | None:
        """The model of a table; tables of other schemas get one when a query embeds them."""
        model = self.models.get((schema, name))
        if model is not None:
            return model
        table = next(
            (t for t in self.catalog.tables if t.schema == schema and t.name == name), None
        )
        if table is None:
            return None
        class_name = self.renamed(f"{schema}.{name}") or naming.pascal(
            f"{schema}_{naming.model_name(name)}"
        )
        model = self._plan_model(table, naming.avoid(class_name, naming.IMPORTED_NAMES))
        self.models[(schema, name)] = model
        return model

    def views(self) -> dict[str, set[str]]:
        return self.schema_facts().views

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
            if (
                not (renamed or naming.identifier(raw, ""))
                and self.opts.unnamed_parameters == "error"
            ):
                self.errors.append(
                    f"{where}: parameter ${p.number} has no name sqlc can infer (it would be "
                    f"`dollar_{p.number}`); name it in the query, e.g. `@ids::varchar[]` or "
                    f"`sqlc.arg(ids)`, or set the option `unnamed_parameters: allow`"
                )
            raw_names.append(
                naming.avoid(renamed or naming.identifier(raw, f"dollar_{p.number}"), reserved)
            )
        sql = q.text
        macros = read_macros(sqltext.query_source(path, q.name))
        cast_slices = macros.cast_slices
        optional_names = macros.nargs
        annotations, doc, bad = markers.split(q.comments)
        for line in bad:
            self.errors.append(
                f"{where}: annotation {line!r} is not `@name` or `@name value`; "
                "see docs/plugin.md (annotations)"
            )
        if markers.OPTIONAL in annotations and q.cmd not in (":one", ":batchone"):
            self.errors.append(
                f"{where}: @optional applies to :one and :batchone only (a {q.cmd} "
                "already says how many rows it returns); remove it"
            )
        if markers.STREAM in annotations and q.cmd != ":many":
            self.errors.append(f"{where}: @stream applies to :many only; remove it")
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
            optional = p.column.name.lower() in optional_names and spec.nullable
            params.append(ParamPlan(p.number, name, spec, p.column, optional))
        if len(params) != len(ordered):
            return None
        # Optional (sqlc.narg) last: a Params NamedTuple needs its defaults at the end.
        params.sort(key=lambda p: p.optional)

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
            annotations=annotations,
            doc=doc,
            statement=analyze(q.text),
            embeds=macros.embeds,
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

    def _nullable_casts(
        self, sql: str, cols: list[Column], outer_refs: set[str], nested: set[str]
    ) -> list[Column]:
        """Cast columns whose operand can be NULL made nullable (sqlc types every cast but
        `NULL::t` NOT NULL); see casts.py."""
        targets = casts.cast_targets(sql, len(cols))
        if not targets:
            return cols
        refs = casts.references(sql)
        tables = {(t.schema, t.name): t for t in self.catalog.tables}

        def column_nullable(ref: str | None, column: str) -> bool:
            if ref is not None:
                found = refs.get(ref.lower())
                items = [(ref.lower(), found)] if found else []
            else:
                items = list(refs.items())
            for ref_name, (schema, name) in items:
                table = tables.get((schema or self.default_schema, name))
                col = next((c for c in table.columns if c.name == column), None) if table else None
                if col is not None:
                    return not col.not_null or ref_name in outer_refs or name.lower() in nested
            return False

        return [
            replace(c, not_null=False)
            if i in targets and c.not_null and casts.may_be_null(targets[i], column_nullable)
            else c
            for i, c in enumerate(cols)
        ]

    def _plan_result(self, plan: QueryPlan, where: str) -> bool:
        q = plan.query
        stmt = plan.statement
        # sqlc reports a column of a LEFT JOINed table as nullable, per table reference, but
        # not one that comes through an outer-joined subquery (`LEFT JOIN LATERAL (...) r`)
        # or bracketed join (`LEFT JOIN (t JOIN u ON ..) ON ..`): those the plugin adds.
        embed_refs = list(plan.embeds)
        nested = {n.lower() for n in stmt.nullable_nested}
        refs = {n.lower() for n in stmt.nullable_refs}
        cols = [
            replace(c, not_null=False)
            if c.embed_table is None and c.table is not None and c.table.name.lower() in nested
            else c
            for c in q.columns
        ]
        cols = self._nullable_casts(q.text, cols, refs, nested)
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
                model = self.model_for(et.schema or self.default_schema, et.name)
                if model is None:
                    self.errors.append(
                        f"{where}: sqlc.embed({col.name or et.name}) names no table sqlc "
                        "knows; embed a table (not a view of another schema or a CTE)"
                    )
                    ok = False
                    continue
                names.append(naming.avoid(naming.snake(model.class_name), reserved))
                ref = embed_refs.pop(0) if embed_refs else col.name.lower()
                nullable = ref in refs
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
            referenced = {r.rsplit(".", 1)[-1] for r in stmt.reads | stmt.writes}
            allowed = self.related_relations(tables | referenced)
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
