"""Type resolution: PostgreSQL types, domains, enums and the `overrides` option -> TypeSpec."""

from __future__ import annotations

from dataclasses import replace

from sqlc_gen_psycopg import naming
from sqlc_gen_psycopg.context import Context
from sqlc_gen_psycopg.options import Override
from sqlc_gen_psycopg.plans import CompositePlan
from sqlc_gen_psycopg.pytypes import (
    BASE_TYPES,
    COMPOSITE,
    ENUM,
    PLAIN,
    Import,
    TypeSpec,
    canonical,
    override_spec,
)
from sqlc_gen_psycopg.request import Column, Identifier


class TypeResolver(Context):
    # ------------------------------------------------------------------ types

    def domains(self) -> dict[str, str]:
        return self.schema_facts().domains

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
        elif (composite := self.composite(schema, name, depth)) is not None:
            spec = TypeSpec(
                base=f"models.{composite.class_name}",
                kind=COMPOSITE,
                imports=(Import(self.package, "models"),),
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

    def composite(self, schema: str, name: str, depth: int = 0) -> CompositePlan | None:
        """The NamedTuple plan of a composite type (its fields read from the schema files)."""
        facts = self.schema_facts().composites
        key = (schema, name) if (schema, name) in facts else ("", name)
        if key not in facts or depth >= 10:
            return None
        if key in self.composite_plans:
            return self.composite_plans[key]
        self.composite_plans[key] = None  # a type that contains itself is not mappable
        pg_name = f"{schema}.{name}" if schema and schema != self.default_schema else name
        class_name = self.renamed(name) or naming.pascal(
            name if not schema or schema == self.default_schema else f"{schema}_{name}"
        )
        reserved = set(naming.NAMEDTUPLE_RESERVED | naming.MODULE_NAMES)
        fields: list[tuple[str, TypeSpec]] = []
        for i, f in enumerate(facts[key]):
            fname = naming.avoid(naming.identifier(f.name, f"field_{i + 1}"), reserved)
            inner = self._db_spec(Identifier(name=f.type_name), f.dims, True, depth + 1)
            if inner is None:
                self.errors.append(
                    f"{self.schema_label()}: composite type {pg_name}: field {f.name}: "
                    f"{f.type_name!r} cannot be mapped; add an override for it"
                )
                return None
            fields.append((fname, inner))
        table_models = {
            self.opts.rename.get(tb.name) or naming.model_name(tb.name)
            for tb in self.catalog.tables
            if tb.schema == self.default_schema
        }
        if class_name in table_models:
            class_name += "Type"  # table `pairs` is models.Pair; composite `pair` is PairType
        plan = CompositePlan(pg_name, naming.avoid(class_name, naming.IMPORTED_NAMES), fields)
        self.composite_plans[key] = plan
        return plan

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
