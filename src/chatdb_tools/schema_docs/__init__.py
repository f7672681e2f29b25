"""The schema reference for DBAs, generated from the real catalog: docs/schema/.

`generate(url)` reads a migrated database and returns every file of the reference as text:
README.md (overview, domains, Mermaid ER diagrams), one page per table, view and materialized
view, functions.md (every function and procedure), and Graphviz SVG diagrams (`er.svg` and `er-<domain>.svg`) when `dot` is installed.
The output depends only on the migrations, the generated query metadata and Graphviz's version: no
timestamps, oids or server versions, every list sorted, so PostgreSQL 15 and 16 produce the
same bytes and `--check` can compare them with the committed files.

This is CLI-level tooling: it uses the runtime's connection helpers, and reads what each named
query touches from the metadata its generated function carries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from chatdb.errors import ConfigError
from chatdb_tools import migrations, project
from chatdb_tools.schema_docs import graphviz, markdown
from chatdb_tools.schema_docs.catalog import Catalog, missing_comments, read_catalog
from chatdb_tools.schema_docs.domains import read_domains
from chatdb_tools.schema_docs.model import SchemaModel, build_model, page_name, slug
from chatdb_tools.schema_docs.queries import NamedQuery, generated_queries

__all__ = [
    "Catalog",
    "Output",
    "compare",
    "default_out_dir",
    "generate",
    "load_model",
    "missing_comments",
    "write",
]


@dataclass
class Output:
    """The generated reference: file name (relative to the output directory) -> content."""

    files: dict[str, str] = field(default_factory=dict)
    svg_rendered: bool = False
    missing_comments: list[str] = field(default_factory=list)


def default_out_dir() -> Path:
    return project.work_dir() / "docs" / "schema"


def load_model(
    url: str, *, migrations_dir: Path | None = None, queries: list[NamedQuery] | None = None
) -> SchemaModel:
    """Read the catalog of the migrated database at `url` and the domains; `queries` defaults
    to the metadata of every generated function (`generated_queries`)."""
    migrations_dir = migrations_dir or migrations.migrations_dir()
    domains = read_domains(migrations_dir)
    if queries is None:
        queries = generated_queries()
    with migrations.connect(url) as conn:
        catalog = read_catalog(conn, declared=domains.declared)
    return build_model(catalog, domains, queries)


def svg_names(model: SchemaModel) -> dict[str, str]:
    names = {"all": "er.svg"}
    for domain in model.domains:
        names[domain.name] = f"er-{slug(domain.name)}.svg"
    return names


def render(model: SchemaModel, *, svg: bool = True) -> Output:
    """Every file of the reference for `model`; SVGs only when `svg` and `dot` is installed."""
    output = Output(missing_comments=missing_comments(model.catalog))
    names = svg_names(model)
    output.files["README.md"] = markdown.readme(model, svg_names=names)
    output.files[markdown.FUNCTIONS_PAGE] = markdown.functions_page(model)
    for relation in model.catalog.sorted_relations():
        if page_name(relation) in output.files:
            raise ConfigError(
                f"relation {relation.qualified} would overwrite docs/schema/{page_name(relation)}",
                fix="rename the relation, or the page in chatdb_tools.schema_docs.markdown",
            )
        output.files[page_name(relation)] = markdown.page(model, relation)
    dot = graphviz.dot_binary() if svg else None
    if dot is not None:
        relations = model.catalog.sorted_relations()
        source = graphviz.dot_source(model, relations, title="chatdb schema", keys_only=True)
        output.files[names["all"]] = graphviz.render_svg(dot, source)
        for domain in model.domains:
            source = graphviz.dot_source(
                model, model.members(domain.name), title=f"chatdb: {domain.name}", keys_only=False
            )
            output.files[names[domain.name]] = graphviz.render_svg(dot, source)
        output.svg_rendered = True
    output.files = dict(sorted(output.files.items()))
    return output


def generate(
    url: str,
    *,
    migrations_dir: Path | None = None,
    queries: list[NamedQuery] | None = None,
    svg: bool = True,
) -> Output:
    """The reference for the migrated database at `url`."""
    model = load_model(url, migrations_dir=migrations_dir, queries=queries)
    return render(model, svg=svg)


def _managed(out_dir: Path, *, include_svg: bool) -> set[str]:
    """The files in `out_dir` that the generator owns (and so may replace or delete)."""
    if not out_dir.is_dir():
        return set()
    patterns = ["*.md", "*.svg"] if include_svg else ["*.md"]
    return {p.name for pattern in patterns for p in out_dir.glob(pattern) if p.is_file()}


def write(output: Output, out_dir: Path) -> list[str]:
    """Write the reference into `out_dir`, deleting files it no longer has; returns the names
    that changed. Without rendered SVGs, existing SVGs are left alone."""
    out_dir.mkdir(parents=True, exist_ok=True)
    changed = compare(output, out_dir)
    for name in _managed(out_dir, include_svg=output.svg_rendered) - output.files.keys():
        (out_dir / name).unlink()
    for name, text in output.files.items():
        path = out_dir / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    return [line.split(": ", 1)[1] for line in changed]


def compare(output: Output, out_dir: Path) -> list[str]:
    """How `out_dir` differs from `output`: lines `changed: X`, `missing: X`, `extra: X`.
    SVGs are compared only when `output` rendered them."""
    existing = _managed(out_dir, include_svg=output.svg_rendered)
    differences = []
    for name in sorted(existing | output.files.keys()):
        if name not in output.files:
            differences.append(f"extra: {name}")
        elif name not in existing:
            differences.append(f"missing: {name}")
        elif (out_dir / name).read_text(encoding="utf-8") != output.files[name]:
            differences.append(f"changed: {name}")
    return differences
