"""GenerateRequest -> generated package files, in sqlc-gen-go's order: options (options.py),
type resolution (resolve.py), planning (plan.py), rendering (render_package.py, one
renderer per command in render_queries.py, render_support.py).

Every problem found while planning is collected so one run reports all of them."""

from __future__ import annotations

from pathlib import PurePosixPath

from sqlc_gen_psycopg import naming
from sqlc_gen_psycopg.errors import PluginError
from sqlc_gen_psycopg.plan import Planner
from sqlc_gen_psycopg.plans import RESERVED_MODULES, QueryPlan
from sqlc_gen_psycopg.render_package import render_enums, render_init, render_models
from sqlc_gen_psycopg.render_queries import QueryModule
from sqlc_gen_psycopg.render_support import check_sources, render_support
from sqlc_gen_psycopg.request import Request
from sqlc_gen_psycopg.typecheck import mypy_errors


class Generator(Planner):
    def __init__(self, request: Request) -> None:
        super().__init__(request)
        self.plan_catalog()

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
                names = [plan.func] + ([f"iter_{plan.func}"] if plan.stream else [])
                for name in names:
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
        files["__init__.py"] = render_init(self, sorted(modules), aio=False)
        if self.opts.emit_async:
            files["aio/__init__.py"] = render_init(self, sorted(modules), aio=True)
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
        # Last: the query modules decide what the support module must hold.
        files["support.py"] = render_support(self)
        if self.models or self.composites_used:
            files["models.py"] = render_models(self)
        if self.enums:
            files["enums.py"] = render_enums(self)
        if self.errors:
            raise PluginError(self.errors)
        check_sources(files, self.errors)
        if not self.errors and self.opts.check_types:
            self.errors += mypy_errors(files, self.package)
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


def generate(request: Request) -> dict[str, str]:
    """Files to write under the codegen `out` folder, by relative path."""
    return Generator(request).run()
