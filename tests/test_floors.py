"""The package's two floors (``design.md``, issue 13): the pipeline (every module of ``sercnn/`` outside
``sercnn/book/``) turns audio into run records and never imports the book side; the book side
(``sercnn/book/``) imports the pipeline and itself, never the command line above both. Read from the source with
``ast``, so that an import inside a function counts as much as one at the top."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sercnn"
BOOK = PACKAGE / "book"

#: The one module above both floors: the command line, whose ``handout`` subcommand is the book side's
#: (``python -m sercnn handout``). It may import that module of the book side and no other.
FRONT_DOOR = {"sercnn.cli": {"sercnn.book.handout"}}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports, as absolute names (``from . import x`` counts as ``package.x``: a
    submodule or a name of the package, both of which load the package)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                base = ".".join(base + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def is_book(module: str) -> bool:
    return module == "sercnn.book" or module.startswith("sercnn.book.")


PIPELINE = sorted(p for p in PACKAGE.rglob("*.py") if BOOK not in p.parents)
BOOK_SIDE = sorted(BOOK.rglob("*.py"))


def test_the_floors_are_where_the_design_says():
    assert len(PIPELINE) > 20 and len(BOOK_SIDE) >= 10
    names = {module_name(p) for p in BOOK_SIDE}
    for reader in ("plots", "widgets", "exercises", "handout", "notebook", "lflb_reference", "lstm_reference",
                   "results"):
        assert f"sercnn.book.{reader}" in names
    assert not (PACKAGE / "plots.py").exists()
    assert (PACKAGE / "paper.py").exists()  # the ground floor: both floors read the paper's numbers


@pytest.mark.parametrize("path", PIPELINE, ids=lambda p: module_name(p))
def test_the_pipeline_never_imports_the_book_side(path):
    name = module_name(path)
    allowed = FRONT_DOOR.get(name, set())
    upward = {m for m in imports(path) if is_book(m) and not any(m == a or m.startswith(a + ".") for a in allowed)}
    assert not upward, f"{name} imports the book side: {sorted(upward)}"


@pytest.mark.parametrize("path", BOOK_SIDE, ids=lambda p: module_name(p))
def test_the_book_side_imports_only_downward(path):
    """Into the pipeline or the book side itself, never the command line above both floors."""
    package = {m for m in imports(path) if m == "sercnn" or m.startswith("sercnn.")}
    assert not {m for m in package if m.split(".")[:2] in (["sercnn", "cli"], ["sercnn", "__main__"])}
    for m in package - {"sercnn", "sercnn.__version__"}:
        parts = m.split(".")
        # each import names a module or package that exists (or a name in one that does)
        candidates = [PACKAGE.parent.joinpath(*parts[:k]) for k in (len(parts), len(parts) - 1)]
        assert any(c.with_suffix(".py").exists() or (c / "__init__.py").exists() for c in candidates), m


def test_the_import_reader_resolves_relative_imports(tmp_path):
    """``from .. import paper`` in sercnn/book/x.py is sercnn.paper; ``from .book import y`` in sercnn/z.py is
    sercnn.book.y: the resolution the two tests above rest on."""
    assert "sercnn.paper" in imports(BOOK / "results.py")
    assert "sercnn.book.handout" in imports(PACKAGE / "cli.py")
    assert not any(is_book(m) for m in imports(PACKAGE / "datasets" / "__init__.py"))
