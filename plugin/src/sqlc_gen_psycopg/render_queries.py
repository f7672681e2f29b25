"""One query file -> a sync module, or its async twin: one renderer per command.

The sync module owns a query's SQL constant, its metadata (`<NAME>_QUERY`), its Params and
Row classes; the async twin imports those public names. Shared helpers (row builders of the
table models, JSON adapters, the naive-datetime check, the not-found error) live in the
package's `support` module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlc_gen_psycopg.plans import BATCH_COMMANDS
from sqlc_gen_psycopg.pytypes import ENUM, JSON, JSON_OVERRIDE, OVERRIDE, TIMESTAMPTZ, TypeSpec
from sqlc_gen_psycopg.writer import Group, Imports, docstring, module_source, py_string, render

if TYPE_CHECKING:
    from sqlc_gen_psycopg.generate import Generator
    from sqlc_gen_psycopg.plans import ModelPlan, QueryPlan


def add_imports(imports: Imports, spec: TypeSpec, package: str, skip_module: str = "") -> None:
    for imp in spec.imports:
        if imp.name is None:
            imports.module(imp.module)
        elif imp.module == package and imp.name == skip_module:
            continue
        else:
            imports.name(imp.module, imp.name)


def load_expr(gen: Generator, imports: Imports, spec: TypeSpec, expr: str, *, convert: bool) -> str:
    """The Python value of a result column (pydantic models convert by themselves)."""
    if not convert:
        return expr
    if spec.kind == ENUM and spec.dims == 0:
        add_imports(imports, spec, gen.package)
        value = f"{spec.base}({expr})"
    elif spec.kind in (OVERRIDE, JSON_OVERRIDE):
        value = f"{gen.adapter(spec)}.validate_python({expr})"
    else:
        return expr
    return f"None if {expr} is None else {value}" if spec.nullable else value


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
        self.shared_from = shared_from  # sync module holding constants, Params and Rows
        self.q = f"{shared_from}." if shared_from else ""
        self.imports = Imports(gen.root)
        self.pydantic = gen.opts.emit_pydantic_models
        self.aw = "await " if is_async else ""
        self.awith = "async with" if is_async else "with"
        self.afor = "async for" if is_async else "for"
        if shared_from:
            self.imports.name(gen.package, shared_from)

    # ------------------------------------------------------------------ helpers

    def ann(self, spec: TypeSpec) -> str:
        add_imports(self.imports, spec, self.gen.package)
        return spec.annotation

    def shared(self, name: str) -> str:
        return f"{self.q}{name}"

    def support(self, name: str) -> str:
        self.imports.name(self.gen.package, "support")
        return f"support.{name}"

    def dump_expr(self, spec: TypeSpec, expr: str, label: str) -> str:
        """The value psycopg gets for a parameter."""
        if spec.kind == TIMESTAMPTZ and spec.dims <= 1:
            self.gen.needs_aware = True
            return f'{self.support("aware")}({expr}, "{label}")'
        if spec.kind in (JSON, JSON_OVERRIDE):
            wrapper = spec.json_wrapper or "Jsonb"
            self.imports.name("psycopg.types.json", wrapper)
            dumps = ""
            if spec.kind == JSON_OVERRIDE:
                self.imports.name(self.gen.package, "support")
                dumps = f", dumps={self.gen.adapter(spec)}.dump_json"
            if spec.dims and not spec.whole:
                inner = f"[{wrapper}(x{dumps}) for x in {expr}]"
            else:
                inner = f"{wrapper}({expr}{dumps})"
            return f"None if {expr} is None else {inner}" if spec.nullable else inner
        return expr

    def load(self, spec: TypeSpec, expr: str) -> str:
        out = load_expr(self.gen, self.imports, spec, expr, convert=True)
        if "support." in out:
            self.imports.name(self.gen.package, "support")
        return out

    def args_group(self, plan: QueryPlan, source: str) -> Group:
        items: list[str | Group] = []
        for p in plan.params:
            expr = f"{source}{p.name}"
            items.append(
                f'"{p.name}": {self.dump_expr(p.spec, expr, f"{plan.func}({p.name}=...)")}'
            )
        return Group("{", items, "}")

    def execute_args(self, plan: QueryPlan) -> str | Group:
        if plan.use_struct:
            return "params.to_args()"
        return self.args_group(plan, "")

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
            # Only sqlc.narg may be left out; a nullable `@x` must be passed (None = NULL).
            args += [
                f"{p.name}: {self.ann(p.spec)}" + (" = None" if p.optional else "")
                for p in plan.params
            ]
        prefix = "async def" if self.is_async else "def"
        self.imports.name(self.gen.package, "support")
        decorator = f"@support.describe({self.shared(plan.const + '_QUERY')})"
        return [decorator, *render(Group(f"{prefix} {name}(", args, f") -> {returns}:"), 0)]

    def row_type(self, plan: QueryPlan) -> str:
        if plan.result == "scalar":
            return self.ann(plan.fields[0].spec or TypeSpec(base="object"))
        if plan.result == "model":
            self.imports.name(self.gen.package, "models")
            return plan.result_type
        return self.shared(plan.row_class)

    def factory(self, plan: QueryPlan) -> str:
        if plan.result == "model" and plan.model is not None:
            self.gen.used_models.add(plan.model.class_name)
            return self.support(f"{plan.model.rows_name}_rows")
        return f"{self.support('rows')}({self.shared(plan.row_class)}.build)"

    def scalar(self, plan: QueryPlan, row: str) -> str:
        if plan.result_type == "None":  # a void function: psycopg hands back ""
            return "None"
        return self.load(plan.fields[0].spec or TypeSpec(base="object"), f"{row}[0]")

    def cursor(self, plan: QueryPlan, named: bool = False) -> list[str]:
        items: list[str | Group] = []
        if named:
            self.gen.needs_cursor_names = True
            items.append(f'{self.support("cursor_name")}("{plan.func}")')
        if plan.result in ("model", "row"):
            items.append(f"row_factory={self.factory(plan)}")
        if not items:
            return [f"    {self.awith} conn.cursor() as cur:"]
        return render(Group("conn.cursor(", items, ")"), 1, f"{self.awith} ", " as cur:")

    def execute(self, plan: QueryPlan, indent: int = 2) -> list[str]:
        args = self.execute_args(plan)
        return render(Group("cur.execute(", [self.shared(plan.const), args], ")"), indent, self.aw)

    def not_found(self, plan: QueryPlan, indent: int) -> list[str]:
        pad = "    " * indent
        return [
            f"{pad}if row is None:",
            f"{pad}    raise {self.support('not_found')}({self.shared(plan.const + '_QUERY')})",
        ]

    # ------------------------------------------------------------------ shared blocks

    def shared_blocks(self, plan: QueryPlan) -> list[list[str]]:
        blocks: list[list[str]] = []
        self.imports.name("typing", "Final")
        blocks.append([f"{plan.const}: Final = {py_string(plan.sql)}"])
        blocks.append(self.metadata_block(plan))
        if plan.use_struct:
            blocks.append(self.params_block(plan))
        if plan.result == "row":
            blocks.append(self.row_class_block(plan))
        return blocks

    def metadata_block(self, plan: QueryPlan) -> list[str]:
        self.imports.name(self.gen.package, "support")
        stmt = plan.statement

        def names(values: set[str]) -> str:
            if not values:
                return "frozenset()"
            return "frozenset({" + ", ".join(f'"{v}"' for v in sorted(values)) + "})"

        params: list[str | Group] = [
            Group(
                "support.Parameter(",
                [f'"{p.name}"', f'"{p.spec.annotation}"', f"optional={p.optional}"],
                ")",
            )
            for p in plan.params
        ]
        notes: list[str | Group] = [
            f'("{k}", {py_string(v) if v else chr(34) * 2})'
            for k, v in sorted(plan.annotations.items())
        ]
        columns: list[str] = []
        for f in plan.fields:
            if f.embed is not None:
                columns += [c.name for c in f.embed.table.columns]
            elif plan.result == "scalar":
                columns.append(plan.query.columns[0].name or "column_1")
            else:
                columns.append(f.name)
        column_items: list[str | Group] = [f'"{c}"' for c in columns]
        fields: list[str | Group] = [
            f'name="{plan.query.name}"',
            f'command="{plan.cmd}"',
            f"sql={plan.const}",
            f'source="{self.gen.query_path(self.filename)}"',
            f"reads={names(stmt.reads)}",
            f"writes={names(stmt.writes)}",
            f"calls={names(stmt.calls)}",
            f"read_only={stmt.read_only and plan.cmd in (':one', ':many')}",
            Group("columns=(", column_items, ",)" if len(column_items) == 1 else ")"),
            Group("parameters=(", params, ",)" if len(params) == 1 else ")"),
            Group("annotations=(", notes, ",)" if len(notes) == 1 else ")"),
        ]
        return render(Group("support.Query(", fields, ")"), 0, f"{plan.const}_QUERY: Final = ")

    def params_block(self, plan: QueryPlan) -> list[str]:
        self.imports.name("typing", "NamedTuple")
        lines = [f"class {plan.params_class}(NamedTuple):"]
        lines += [
            f"    {p.name}: {self.ann(p.spec)}" + (" = None" if p.optional else "")
            for p in plan.params
        ]
        if plan.cmd != ":copyfrom":
            self.imports.name("typing", "Any")
            body = render(self.args_group(plan, "self."), 2, "return ")
            lines += ["", "    def to_args(self) -> dict[str, Any]:", *body]
        elif any(p.spec.kind == JSON_OVERRIDE for p in plan.params):
            self.imports.name("typing", "Any")
            items: list[str | Group] = [
                self.dump_expr(p.spec, f"self.{p.name}", p.name)
                if p.spec.kind == JSON_OVERRIDE
                else f"self.{p.name}"
                for p in plan.params
            ]
            body = render(Group("(", items, ",)" if len(items) == 1 else ")"), 2, "return ")
            lines += ["", "    def to_copy_row(self) -> tuple[Any, ...]:", *body]
        return lines

    def model_call(self, model: ModelPlan, start: int) -> str:
        self.gen.used_models.add(model.class_name)
        return f"{self.support(model.rows_name + '_row')}(v, {start})"

    def row_class_block(self, plan: QueryPlan) -> list[str]:
        lines: list[str] = []
        if self.pydantic:
            self.imports.name("pydantic", "BaseModel")
            self.imports.name("pydantic", "ConfigDict")
            lines += [
                f"class {plan.row_class}(BaseModel):",
                "    model_config = ConfigDict(frozen=True)",
                "",
            ]
        else:
            self.imports.module("dataclasses")
            lines += ["@dataclasses.dataclass(frozen=True, slots=True)", f"class {plan.row_class}:"]
        for f in plan.fields:
            if f.embed is not None:
                self.imports.name(self.gen.package, "models")
                ann = f"models.{f.embed.class_name}" + (" | None" if f.embed_nullable else "")
            else:
                ann = self.ann(f.spec or TypeSpec(base="object"))
            lines.append(f"    {f.name}: {ann}")
        self.imports.name("typing", "Any")
        self.imports.name("collections.abc", "Sequence")
        body: list[str] = []
        items: list[str | Group] = []
        for f in plan.fields:
            if f.embed is not None:
                call = self.model_call(f.embed, f.start)
                if f.embed_nullable:
                    index = f.embed.not_null_index
                    test = (
                        f"v[{f.start + index}] is None"
                        if index is not None
                        else f"all(x is None for x in v[{f.start}:{f.start + len(f.embed.fields)}])"
                    )
                    call = f"None if {test} else {call}"
                items.append(f"{f.name}={call}")
            else:
                spec = f.spec or TypeSpec(base="object")
                value = load_expr(
                    self.gen, self.imports, spec, f"v[{f.start}]", convert=not self.pydantic
                )
                if "support." in value:
                    self.imports.name(self.gen.package, "support")
                items.append(f"{f.name}={value}")
        body += render(Group(f"{plan.row_class}(", items, ")"), 2, "return ")
        lines += [
            "",
            "    @staticmethod",
            f'    def build(v: Sequence[Any]) -> "{plan.row_class}":',
            *body,
        ]
        return lines

    # ------------------------------------------------------------------ one renderer per command

    def doc(self, plan: QueryPlan, extra: list[str] | None = None) -> list[str]:
        lines = list(plan.doc)
        if extra:
            lines = [*lines, "", *extra] if lines else extra
        return docstring(lines, 1)

    def render_one(self, plan: QueryPlan) -> list[list[str]]:
        rtype = self.row_type(plan)
        if plan.optional:
            returns = rtype if rtype.endswith("| None") or rtype == "None" else f"{rtype} | None"
        else:
            returns = rtype
        lines = self.signature(plan, plan.func, returns) + self.doc(plan)
        lines += self.cursor(plan)
        lines += self.execute(plan)
        if plan.optional and plan.result != "scalar":
            lines.append(f"        return {self.aw}cur.fetchone()")
            return [lines]
        lines.append(f"        row = {self.aw}cur.fetchone()")
        if plan.result == "scalar":
            if plan.optional:
                lines.append(
                    f"    value: {returns} = None if row is None else {self.scalar(plan, 'row')}"
                )
            else:
                lines += self.not_found(plan, 1)
                lines.append(f"    value: {returns} = {self.scalar(plan, 'row')}")
            lines.append("    return value")
        else:
            lines += self.not_found(plan, 1)
            lines.append("    return row")
        return [lines]

    def render_many(self, plan: QueryPlan) -> list[list[str]]:
        rtype = self.row_type(plan)
        lines = self.signature(plan, plan.func, f"list[{rtype}]") + self.doc(plan)
        lines += self.cursor(plan)
        lines += self.execute(plan)
        if plan.result == "scalar":
            lines.append(
                f"        return [{self.scalar(plan, 'row')} for row in {self.aw}cur.fetchall()]"
            )
        else:
            lines.append(f"        return {self.aw}cur.fetchall()")
        blocks = [lines]
        if plan.stream:
            blocks.append(self.render_stream(plan, rtype))
        return blocks

    def render_stream(self, plan: QueryPlan, rtype: str) -> list[str]:
        if self.is_async:
            self.imports.name("collections.abc", "AsyncIterator")
            returns = f"AsyncIterator[{rtype}]"
        else:
            self.imports.name("collections.abc", "Iterator")
            returns = f"Iterator[{rtype}]"
        lines = self.signature(plan, f"iter_{plan.func}", returns)
        lines += docstring(
            [
                f"The rows of {plan.func}() streamed through a server-side cursor: run it",
                "inside a transaction (not in autocommit mode).",
            ],
            1,
        )
        lines += self.cursor(plan, named=True)
        lines += self.execute(plan)
        value = self.scalar(plan, "row") if plan.result == "scalar" else "row"
        if self.is_async or value != "row":
            lines += [f"        {self.afor} row in cur:", f"            yield {value}"]
        else:
            lines.append("        yield from cur")
        return lines

    def render_exec(self, plan: QueryPlan) -> list[list[str]]:
        returns = "None" if plan.cmd == ":exec" else "int"
        lines = self.signature(plan, plan.func, returns) + self.doc(plan)
        lines += self.cursor(plan)
        lines += self.execute(plan)
        if plan.cmd == ":execrows":
            lines.append("        return cur.rowcount")
        return [lines]

    def render_execresult(self, plan: QueryPlan) -> list[list[str]]:
        returns = "psycopg.AsyncCursor[Any]" if self.is_async else "psycopg.Cursor[Any]"
        lines = self.signature(plan, plan.func, returns) + self.doc(plan)
        call = Group("conn.execute(", [self.shared(plan.const), self.execute_args(plan)], ")")
        lines += render(call, 1, f"return {self.aw}")
        return [lines]

    def render_copyfrom(self, plan: QueryPlan) -> list[list[str]]:
        lines = self.signature(plan, plan.func, "int") + self.doc(plan)
        lines.append(f"    {self.awith} conn.cursor() as cur:")
        lines.append(f"        {self.awith} cur.copy({self.shared(plan.const)}) as copy:")
        types = Group("[", [f'"{t}"' for t in plan.copy_types], "]")
        lines += render(Group("copy.set_types(", [types], ")"), 3)
        lines.append("            for row in rows:")
        json = any(p.spec.kind == JSON_OVERRIDE for p in plan.params)
        row = "row.to_copy_row()" if json else "row"
        lines.append(f"                {self.aw}copy.write_row({row})")
        lines.append("        return cur.rowcount")
        return [lines]

    def render_batch(self, plan: QueryPlan) -> list[list[str]]:
        returning = [] if plan.cmd == ":batchexec" else ["returning=True"]
        call = Group(
            "cur.executemany(",
            [self.shared(plan.const), "[p.to_args() for p in params]", *returning],
            ")",
        )
        if plan.cmd == ":batchexec":
            lines = self.signature(plan, plan.func, "None") + self.doc(plan)
            lines.append(f"    {self.awith} conn.cursor() as cur:")
            lines += render(call, 2, self.aw)
            return [lines]
        rtype = self.row_type(plan)
        if plan.cmd == ":batchone":
            one = rtype if not plan.optional or rtype.endswith("| None") else f"{rtype} | None"
            returns = f"list[{one}]"
        else:
            returns = f"list[list[{rtype}]]"
        lines = self.signature(plan, plan.func, returns) + self.doc(plan)
        lines += self.cursor(plan)
        lines += render(call, 2, self.aw)
        lines.append(f"        result: {returns} = []")
        lines.append(f"        {self.afor} _ in cur.results():")
        if plan.cmd == ":batchone":
            lines.append(f"            row = {self.aw}cur.fetchone()")
            if not plan.optional:
                lines += self.not_found(plan, 3)
            value = "row"
            if plan.result == "scalar":
                value = self.scalar(plan, "row")
                if plan.optional:
                    value = f"None if row is None else {value}"
            lines.append(f"            result.append({value})")
        else:
            if plan.result == "scalar":
                fetched = f"[{self.scalar(plan, 'r')} for r in {self.aw}cur.fetchall()]"
            else:
                fetched = f"{self.aw}cur.fetchall()"
            lines.append(f"            result.append({fetched})")
        lines.append("        return result")
        return [lines]

    def function_blocks(self, plan: QueryPlan) -> list[list[str]]:
        if plan.cmd == ":one":
            return self.render_one(plan)
        if plan.cmd == ":many":
            return self.render_many(plan)
        if plan.cmd in (":exec", ":execrows"):
            return self.render_exec(plan)
        if plan.cmd == ":execresult":
            return self.render_execresult(plan)
        if plan.cmd == ":copyfrom":
            return self.render_copyfrom(plan)
        return self.render_batch(plan)

    # ------------------------------------------------------------------ assembly

    def source(self) -> str:
        blocks: list[list[str]] = []
        for plan in self.plans:
            if not self.shared_from:
                blocks += self.shared_blocks(plan)
            blocks += self.function_blocks(plan)
        path = self.gen.query_path(self.filename)
        if self.is_async:
            doc = f"Async twins of the queries in {path} (same names, psycopg.AsyncConnection)."
        else:
            doc = f"Queries from {path}."
        return module_source(self.gen.banner([path]), doc, self.imports, blocks)
