"""Student handouts (``python -m sercnn handout``, :mod:`sercnn.book.handout`): for every chapter, no solution is left
(no cell tagged ``solution``, no solution directive, none of the lines that only solutions hold), while every
exercise, every answer-and-check cell and everything else stays; and (slow) each handout runs top to bottom
with papermill on its quick defaults, every check saying "Not answered yet"."""

from __future__ import annotations

import ast
import builtins
import os
import re
from pathlib import Path

import nbformat
import pytest

from sercnn import __version__, cli
from sercnn.book.handout import SolutionBlockError, find_chapter, handout, solution_flags, strip_solution_blocks

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
CHAPTERS = sorted(BOOK.glob("*.ipynb"))
ids = [p.stem for p in CHAPTERS]


@pytest.fixture(scope="module")
def handouts(tmp_path_factory) -> dict[str, Path]:
    """Every chapter's handout, written once into a temporary folder (never into book/)."""
    out = tmp_path_factory.mktemp("handouts")
    return {p.stem: handout(p, out) for p in CHAPTERS}


def _read(path: Path):
    return nbformat.read(path, as_version=4)


def _split(nb) -> tuple[list[str], list[str], list, list]:
    """Source lines inside and outside solutions, the solution code cells and the other code cells."""
    inside, outside, solution_code, kept_code = [], [], [], []
    for cell, flag in zip(nb.cells, solution_flags(nb.cells)):
        if isinstance(flag, list):
            for line, is_solution in zip(cell.source.split("\n"), flag):
                (inside if is_solution else outside).append(line.strip())
        elif flag or "solution" in cell.metadata.get("tags", []):
            solution_code.append(cell)
            inside += [line.strip() for line in cell.source.split("\n")]
        else:
            kept_code.append(cell)
            outside += [line.strip() for line in cell.source.split("\n")]
    return inside, outside, solution_code, kept_code


def _distinctive(nb) -> set[str]:
    """The lines only solutions hold: blank lines and lines that also appear outside a solution (an import, a
    ``check_...(...)`` call, a closing fence) are no evidence of a solution left behind."""
    inside, outside, _, _ = _split(nb)
    return {line for line in inside if line and line not in set(outside)}


def _lines(nb, skip_note: bool = True) -> set[str]:
    cells = nb.cells[1:] if skip_note else nb.cells
    return {line.strip() for cell in cells for line in cell.source.split("\n")}


@pytest.mark.parametrize("path", CHAPTERS, ids=ids)
def test_handout_has_no_solution_left(path, handouts):
    source, student = _read(path), _read(handouts[path.stem])
    for cell in student.cells:
        assert "solution" not in cell.metadata.get("tags", []), f"{path.name}: a cell tagged solution is left"
        for directive in ("{solution-start}", "{solution-end}", "{solution}"):
            assert directive not in cell.source, f"{path.name}: {directive} is left"
    distinctive = _distinctive(source)
    assert distinctive, f"{path.name}: no solution found to remove (every chapter has exercises)"
    left = sorted(distinctive & _lines(student))
    assert not left, f"{path.name}: lines of solutions are left in the handout: {left[:5]}"


@pytest.mark.parametrize("path", CHAPTERS, ids=ids)
def test_handout_keeps_exercises_checks_and_everything_else(path, handouts):
    source, student = _read(path), _read(handouts[path.stem])
    note = student.cells[0]
    number = str(int(path.stem.split("_")[0]))
    assert note.cell_type == "markdown"
    assert f"Student version of chapter {number} (solutions removed)" in note.source
    text = "\n".join(c.source for c in student.cells)
    labels = re.findall(r"```\{exercise\}[^\n]*\n:label: (\S+)", "\n".join(c.source for c in source.cells))
    assert labels, f"{path.name}: no exercise found"
    for label in labels:
        assert f":label: {label}" in text, f"{path.name}: exercise {label} is gone"
    _, outside, _, kept_code = _split(source)
    code = [c for c in student.cells if c.cell_type == "code"]
    assert [c.source for c in code] == [c.source for c in kept_code], f"{path.name}: a code cell was lost or changed"
    checks = [c for c in kept_code if re.search(r"\bcheck_\w+\(", c.source)]
    assert checks, f"{path.name}: no check cell"
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None
        assert "solution" not in cell.metadata.get("tags", [])
    for cell in checks:
        assert any(c.source == cell.source for c in code), f"{path.name}: a check cell is gone"
    # the prose outside solutions, line by line, in its order
    markdown = [line.strip() for c in student.cells[1:] if c.cell_type == "markdown" for line in c.source.split("\n")]
    source_markdown = []
    for cell, flag in zip(source.cells, solution_flags(source.cells)):
        if isinstance(flag, list):
            source_markdown += [line.strip() for line, inside in zip(cell.source.split("\n"), flag) if not inside]
    assert [m for m in markdown if m] == [m for m in source_markdown if m], f"{path.name}: prose was lost"
    assert [c.metadata.get("tags", []) for c in code][:2] == [["hide-cell"], ["parameters"]]
    nbformat.validate(student)


@pytest.mark.parametrize("path", CHAPTERS, ids=ids)
def test_every_chapter_has_answer_and_check_cells(path):
    _, _, _, kept_code = _split(_read(path))
    unanswered = [c for c in kept_code if re.search(r"^\w+ = None\b", c.source, re.M)
                  and re.search(r"\bcheck_\w+\(", c.source)]
    assert unanswered, f"{path.name}: no answer cell with a check"


def _bound(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return names


def _loaded(tree: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


@pytest.mark.parametrize("path", CHAPTERS, ids=ids)
def test_no_kept_cell_needs_a_name_only_a_solution_defines(path):
    """The cheap half of the execution test: a name bound in a solution cell and used by a later kept cell that
    does not bind it itself (nor any kept cell before it) would be a NameError in the handout."""
    _, _, solution_code, kept_code = _split(_read(path))
    only_solutions = set().union(*(_bound(ast.parse(c.source)) for c in solution_code)) - set(dir(builtins))
    bound: set[str] = set()
    for cell in kept_code:
        tree = ast.parse(cell.source)
        bound |= _bound(tree)
        missing = (_loaded(tree) & only_solutions) - bound
        assert not missing, f"{path.name}: a kept cell uses {sorted(missing)}, defined only in a solution"


# --- the preprocessor on made-up cells ---------------------------------------------------------------------


def _nb(*cells):
    nb = nbformat.v4.new_notebook()
    for kind, source, *tags in cells:
        make = nbformat.v4.new_markdown_cell if kind == "md" else nbformat.v4.new_code_cell
        cell = make(source)
        if tags:
            cell.metadata["tags"] = list(tags)
        nb.cells.append(cell)
    return nb


def test_strip_keeps_the_exercise_of_a_cell_that_also_holds_a_solution():
    nb = _nb(
        ("md", "```{solution-end}\n```\n\n```{exercise}\n:label: ex-a\n\nHow much?\n```\n\n"
               "```{solution} ex-a\n:class: dropdown\n\nAbout 92 %.\n```\n\n## Summary\n\nDone."),
    )
    with pytest.raises(SolutionBlockError):
        strip_solution_blocks(nb.cells)  # an end without a start
    nb.cells[0].source = nb.cells[0].source.split("\n", 3)[3]
    (cell,) = strip_solution_blocks(nb.cells)
    assert ":label: ex-a" in cell.source and "How much?" in cell.source and "## Summary" in cell.source
    assert "92 %" not in cell.source and "{solution}" not in cell.source and "\n\n\n" not in cell.source


def test_strip_removes_gated_solutions_across_cells_and_keeps_examples_in_code_blocks():
    nb = _nb(
        ("md", "```{exercise}\n:label: ex-b\n\nWrite f.\n```"),
        ("code", "f = None\ncheck_f(f)"),
        ("md", "Text before.\n\n:::{solution-start} ex-b\n:class: dropdown\n:::\nThe idea: add one."),
        ("code", "def f(x):\n    return x + 1"),  # untagged, but inside the gate
        ("md", "Why it works.\n\n````{solution-end}\n````\n\n## Next\n\n```md\n```{solution} ex-b\n```\n```"),
    )
    kept = strip_solution_blocks(nb.cells)
    text = "\n".join(c.source for c in kept)
    assert [c.source for c in kept if c.cell_type == "code"] == ["f = None\ncheck_f(f)"]
    assert "Text before." in text and "## Next" in text and "```{solution} ex-b" in text  # an example, kept
    for gone in ("The idea", "Why it works", "return x + 1", "{solution-start}", "{solution-end}"):
        assert gone not in text


def test_strip_refuses_unpaired_blocks():
    with pytest.raises(SolutionBlockError, match="no solution-end"):
        strip_solution_blocks(_nb(("md", "```{solution-start} ex-c\n```\nText")).cells)
    with pytest.raises(SolutionBlockError, match="not closed"):
        strip_solution_blocks(_nb(("md", "```{solution} ex-c\nText")).cells)


# --- the command ------------------------------------------------------------------------------------------


def test_chapter_by_number_name_or_path():
    chapter = BOOK / "05_2d_cnn_lstm.ipynb"
    for given in ("05", "5", "05_2d_cnn_lstm", "05_2d_cnn_lstm.ipynb", str(chapter)):
        assert find_chapter(given).resolve() == chapter.resolve()
    with pytest.raises(ValueError, match="no such chapter"):
        find_chapter("42")


def test_command_writes_the_handout_and_never_into_book(tmp_path, capsys):
    before = sorted(BOOK.iterdir())
    assert cli.main(["handout", "05", "-o", str(tmp_path / "out")]) == 0
    written = tmp_path / "out" / "05_2d_cnn_lstm.ipynb"
    assert str(written) in capsys.readouterr().out
    assert "Student version of chapter 5" in _read(written).cells[0].source
    assert f"sercnn {__version__}" in _read(written).cells[0].source
    assert cli.main(["handout", "05", "-o", str(tmp_path / "out")]) == 0  # a handout may be written again
    for out in (str(BOOK), str(BOOK / "05_2d_cnn_lstm.ipynb"), str(BOOK / "02_lflb.ipynb")):
        assert cli.main(["handout", "05", "-o", out]) == 1
    err = capsys.readouterr().err
    assert "book's own folder" in err and "never overwrites its source" in err and "chapter of the book" in err
    assert sorted(BOOK.iterdir()) == before


# --- slow: every handout executed ---------------------------------------------------------------------------


def _check_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code" and re.search(r"^\w+ = None\b", c.source, re.M)
            and re.search(r"\bcheck_\w+\(", c.source)]


@pytest.mark.slow
@pytest.mark.parametrize("path", CHAPTERS, ids=ids)
def test_handout_runs_top_to_bottom_and_every_check_waits_for_an_answer(path, handouts, tmp_path, monkeypatch):
    papermill = pytest.importorskip("papermill")
    # SERCNN_DATA as CI sets it: the real EmoDB beside the clone where it is there (else corpus "auto" falls
    # back to the synthetic one); the kernel inherits the environment.
    shared = ROOT.parent / "shared" / "data"
    if "SERCNN_DATA" not in os.environ and (shared / "emodb").is_dir():
        monkeypatch.setenv("SERCNN_DATA", str(shared))
    out = tmp_path / f"{path.stem}-executed.ipynb"
    papermill.execute_notebook(str(handouts[path.stem]), str(out), parameters={}, kernel_name="python3",
                               cwd=str(BOOK), progress_bar=False, execution_timeout=300)
    executed = _read(out)
    checks = _check_cells(executed)
    assert checks, f"{path.name}: no check cell ran"
    for cell in checks:
        shown = "".join(
            o.get("text", "") if o.output_type == "stream" else o.get("data", {}).get("text/plain", "")
            for o in cell.outputs
        )
        assert "Not answered yet" in shown, f"{path.name}: a check says {shown!r}"
