"""The book's structure: every chapter in the table of contents, committed without outputs, opening with the
same install cell (pointing at the repository of ``_config.yml``), a papermill ``parameters`` cell, and
Colab badges that open the chapter itself. The chapters' execution is tested by nbval (``book/``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
CHAPTERS = sorted(BOOK.glob("*.ipynb"))
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def _source(cell: dict) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def _code_cells(path: Path) -> list[dict]:
    return [c for c in _cells(path) if c["cell_type"] == "code"]


def test_every_chapter_is_in_the_toc_and_every_toc_entry_exists():
    entries = [TOC["root"], *(c["file"] for c in TOC.get("chapters", []))]
    assert sorted(entries) == sorted(f"book/{p.stem}" for p in CHAPTERS)
    assert len(CHAPTERS) >= 6


def test_build_settings_fail_on_errors_and_bound_cell_time():
    execute = CONFIG["execute"]
    assert execute["allow_errors"] is False
    assert execute["execute_notebooks"] in ("cache", "force")
    assert 0 < execute["timeout"] <= 900
    assert "sphinx_exercise" in CONFIG["sphinx"]["extra_extensions"]
    assert CONFIG["launch_buttons"]["colab_url"]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_is_committed_without_outputs(path):
    for cell in _code_cells(path):
        assert cell.get("outputs") == [], f"{path.name}: a cell has outputs (run nbstripout)"
        assert cell.get("execution_count") is None, f"{path.name}: a cell has an execution count"
    assert "widgets" not in json.loads(path.read_text())["metadata"], f"{path.name}: widget state is committed"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_opens_with_title_badges_install_and_parameters(path):
    cells = _cells(path)
    title = _source(cells[0])
    assert cells[0]["cell_type"] == "markdown" and title.startswith("# ")
    colab = f"https://colab.research.google.com/github/{CONFIG['repository']['url'].removeprefix('https://github.com/')}"
    assert f"{colab}/blob/{CONFIG['repository']['branch']}/book/{path.name}" in title, "Colab badge of another file"
    assert "JupyterLab" in title
    code = _code_cells(path)
    install, parameters = code[0], code[1]
    assert "hide-cell" in install["metadata"].get("tags", [])
    assert "parameters" in parameters["metadata"].get("tags", [])
    assert "corpus" in _source(parameters)


def test_install_cell_is_the_same_everywhere_and_installs_from_the_book_repository():
    sources = {_source(_code_cells(p)[0]) for p in CHAPTERS}
    assert len(sources) == 1, "the install cells differ between chapters"
    source = sources.pop()
    repo, branch = CONFIG["repository"]["url"], CONFIG["repository"]["branch"]
    assert f"git+{repo}@{branch}" in source
    assert 'find_spec("sercnn") is None' in source  # harmless where sercnn is installed
    assert "%%capture" not in source  # never hide a failed install
    compile(source, "install-cell", "exec")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_papermill_sees_the_parameters(path):
    papermill = pytest.importorskip("papermill")
    params = papermill.inspect_notebook(str(path))
    assert "corpus" in params
    assert params["corpus"]["default"] == '"auto"'


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_solutions_are_tagged_and_gated(path):
    cells = _cells(path)
    text = "\n".join(_source(c) for c in cells if c["cell_type"] == "markdown")
    assert text.count("{solution-start}") == text.count("{solution-end}")
    inside = False
    for cell in cells:
        src = _source(cell)
        if cell["cell_type"] == "markdown":
            if "{solution-start}" in src:
                inside = True
            if "{solution-end}" in src:
                inside = False
        elif inside:
            assert "solution" in cell["metadata"].get("tags", []), f"{path.name}: untagged solution cell"
