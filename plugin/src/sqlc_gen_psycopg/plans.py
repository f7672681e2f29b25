"""What the plugin decides before writing any source: one plan per enum, model, parameter,
result field and query."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlc_gen_psycopg import markers, naming
from sqlc_gen_psycopg.pytypes import TypeSpec
from sqlc_gen_psycopg.request import Column, Query, Table
from sqlc_gen_psycopg.statement import Statement

ROW_COMMANDS = {":one", ":many", ":batchone", ":batchmany"}
COMMANDS = ROW_COMMANDS | {":exec", ":execrows", ":execresult", ":copyfrom", ":batchexec"}
BATCH_COMMANDS = {":batchexec", ":batchone", ":batchmany"}
RESERVED_MODULES = {"models", "enums", "aio", "support", "__init__"}


@dataclass
class EnumPlan:
    schema: str
    name: str
    pg_name: str  # what PostgreSQL resolves: "user_role" or "other.user_role"
    class_name: str
    members: list[tuple[str, str]]
    comment: str = ""


@dataclass
class CompositePlan:
    """A composite type as a typing.NamedTuple in models.py (psycopg builds it positionally)."""

    pg_name: str  # what PostgreSQL resolves: "pair" or "other.pair"
    class_name: str
    fields: list[tuple[str, TypeSpec]]


@dataclass
class ModelPlan:
    table: Table
    class_name: str
    fields: list[tuple[str, TypeSpec]]
    not_null_index: int | None  # first NOT NULL column, to tell a missing outer-join row

    @property
    def rows_name(self) -> str:
        """Prefix of its builders in the support module: `user_profile_row(v, i)`."""
        return naming.snake(self.class_name)


@dataclass
class ParamPlan:
    number: int
    name: str
    spec: TypeSpec
    column: Column
    optional: bool = False  # sqlc.narg: may be left out (None)


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
    annotations: dict[str, str] = field(default_factory=dict)
    doc: list[str] = field(default_factory=list)
    statement: Statement = field(default_factory=Statement)
    embeds: list[str] = field(default_factory=list)  # the sqlc.embed references, in order

    @property
    def optional(self) -> bool:
        return markers.OPTIONAL in self.annotations

    @property
    def stream(self) -> bool:
        return markers.STREAM in self.annotations

    @property
    def cmd(self) -> str:
        return self.query.cmd
