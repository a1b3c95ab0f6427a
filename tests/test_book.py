"""The book's structure: every chapter in the table of contents, committed without outputs, opening with the
same install cell (the release of the repository of ``_config.yml`` the book was built from, quiet but loud on
failure, TensorFlow's start-up log quieted), a papermill ``parameters`` cell, and Colab badges that open the
chapter itself; solution blocks in cells of their own; builds that fail fast rather than stall. The chapters'
execution is tested by nbval (``book/``)."""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import re
from pathlib import Path

import pytest
import yaml

import sercnn
from sercnn.book import notebook
from sercnn.book.handout import solution_flags

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
CHAPTERS = sorted(BOOK.glob("*.ipynb"))
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
PYPROJECT = (ROOT / "pyproject.toml").read_text()


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
    assert 0 < execute["timeout"] <= 300  # a stalled cell fails the build within 5 minutes
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


def _install_cell() -> str:
    sources = {_source(_code_cells(p)[0]) for p in CHAPTERS}
    assert len(sources) == 1, "the install cells differ between chapters"
    return sources.pop()


def _project_version() -> str:
    return re.search(r'^version = "([^"]+)"', PYPROJECT, re.M)[1]


def test_install_cell_is_the_same_everywhere_and_installs_from_the_book_repository():
    source = _install_cell()
    repo = CONFIG["repository"]["url"]
    assert f"git+{repo}@v" in source  # a release tag, never a branch
    assert 'find_spec("sercnn") is None' in source  # harmless where sercnn is installed
    assert "%%capture" not in source  # never hide a failed install
    assert '"install", "-q"' in source  # quiet: no page of "Requirement already satisfied"
    compile(source, "install-cell", "exec")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_install_cell_pins_the_release_of_this_version(path):
    """Every chapter installs the tag ``v`` + the package's version (pyproject.toml and ``sercnn.__version__``,
    which a release bumps together with the tags: book/AUTHORING.md)."""
    assert _project_version() == sercnn.__version__, "pyproject.toml and sercnn.__version__ differ"
    tags = re.findall(r"git\+https://\S+?@(v[\w.]+)", _source(_code_cells(path)[0]))
    assert tags == [f"v{sercnn.__version__}"], f"{path.name}: installs {tags}, not v{sercnn.__version__}"


def _run_install_cell(monkeypatch, *, sercnn_missing: bool, spec: str | None = None) -> dict:
    real = importlib.util.find_spec
    if sercnn_missing:
        monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "sercnn" else real(name, *a))
    if spec is not None:
        monkeypatch.setenv("SERCNN_PIP_SPEC", spec)
    namespace: dict = {}
    exec(compile(_install_cell(), "install-cell", "exec"), namespace)
    return namespace


def test_install_cell_stops_loudly_naming_sercnn_pip_spec_when_pip_fails(monkeypatch, tmp_path, capfd):
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    missing = str(tmp_path / "no-such-sercnn")  # pip fails at once, offline
    with pytest.raises(RuntimeError, match="SERCNN_PIP_SPEC") as failed:
        _run_install_cell(monkeypatch, sercnn_missing=True, spec=missing)
    assert missing in str(failed.value) and "exit status" in str(failed.value)
    out, err = capfd.readouterr()
    assert f"Installing {missing}" in out
    assert "ERROR" in err or "error" in err.lower()  # pip's own message is shown, not swallowed


def test_install_cell_installs_nothing_in_a_clone_and_quiets_tensorflow_first(monkeypatch, capfd):
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    namespace = _run_install_cell(monkeypatch, sercnn_missing=False)
    assert "SERCNN_PIP_SPEC" not in namespace and capfd.readouterr().out == ""
    # the level the chapters' start_keras would set too: 3 without an NVIDIA GPU, 2 (errors shown) with one
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == notebook.tensorflow_log_level() in ("2", "3")
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")  # a reader's own choice is kept
    _run_install_cell(monkeypatch, sercnn_missing=False)
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0"
    source = _install_cell()
    assert source.index("TF_CPP_MIN_LOG_LEVEL") < source.index("find_spec(\"sercnn\") is None")


def test_record_note_names_the_installed_package_outside_a_clone():
    from sercnn import records

    record = records.load_records(ROOT / "results" / "emodb-2d-si-heldout")[0]
    assert record["git"]["commit"][:10] in str(notebook.record_note(record))
    outside = copy.deepcopy(record)
    outside["git"] = {"commit": None, "dirty": None, "package_version": "0.1.0"}  # what git_commit gives there
    text = str(notebook.record_note(outside))
    assert "installed package sercnn 0.1.0" in text and "unknown" not in text
    outside["git"] = {}
    assert "| commit | unknown |" in str(notebook.record_note(outside))


def test_build_and_tests_keep_ipykernel_below_7_and_fail_a_stalled_cell_fast():
    """ipykernel 7 can leave a widget cell's execution stalled, the kernel idle and the client waiting
    (jupyter/nbclient#312); every extra that brings a kernel keeps it below 7, and a cell that runs past 300 s
    fails (nbval here, the book build through _config.yml)."""
    for extra in ("notebook", "book", "test"):
        block = re.search(rf"^{extra} = \[(.*?)\]", PYPROJECT, re.M | re.S)[1]
        assert re.search(r'"ipykernel[^"]*<7"', block), f"the {extra} extra lets ipykernel 7 in"
    timeout = int(re.search(r"--nbval-cell-timeout=(\d+)", PYPROJECT)[1])
    assert 0 < timeout <= 300


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_solution_blocks_have_markdown_cells_of_their_own(path):
    """A markdown cell is all solution or no solution, so a solution never hides inside an exercise's cell (the
    handout removes solution lines from a mixed cell too, but a chapter is written so it need not)."""
    cells = _cells(path)
    for index, flag in enumerate(solution_flags(cells)):
        if isinstance(flag, list):
            assert all(flag) or not any(flag), f"{path.name}: cell {index} mixes a solution with other text"


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
