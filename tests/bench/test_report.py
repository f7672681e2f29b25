"""The README sections `make bench` rewrites: built from a results file, placed between the
markers and nowhere else."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results.json"


@pytest.fixture(scope="module")
def report() -> Iterator[ModuleType]:
    """The project's `bench.report` (this test package is also named `bench`)."""
    saved = {k: v for k, v in sys.modules.items() if k == "bench" or k.startswith("bench.")}
    for name in saved:
        del sys.modules[name]
    sys.path.insert(0, str(ROOT))
    try:
        yield importlib.import_module("bench.report")
    finally:
        sys.path.remove(str(ROOT))
        for name in [k for k in sys.modules if k == "bench" or k.startswith("bench.")]:
            del sys.modules[name]
        sys.modules.update(saved)


def test_summary_names_the_machine_every_workload_and_the_targets(report: ModuleType) -> None:
    results = json.loads(RESULTS.read_text())
    text = report.summary_markdown(results)
    assert results["machine"]["cpu"] in text
    for cell in results["per_call"]:
        assert cell["title"] in text
    met = sum(t["result"] == "pass" for t in results["targets"])
    assert f"Targets: {met} of {len(results['targets'])} met." in text


def test_replace_section_rewrites_only_between_the_markers(
    report: ModuleType, tmp_path: Path
) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# title\n\nbefore\n{report.BEGIN}\nold table\n{report.END}\nafter\n")
    assert report.replace_section(readme, "new table\n")
    assert readme.read_text() == (
        f"# title\n\nbefore\n{report.BEGIN}\nnew table\n{report.END}\nafter\n"
    )
    plain = tmp_path / "PLAIN.md"
    plain.write_text("no markers\n")
    assert not report.replace_section(plain, "x")
    assert plain.read_text() == "no markers\n"


def test_both_readmes_carry_the_markers(report: ModuleType) -> None:
    root = ROOT
    for path in (root / "README.md", root / "bench" / "README.md"):
        text = path.read_text()
        assert text.count(report.BEGIN) == 1 and text.count(report.END) == 1, path
