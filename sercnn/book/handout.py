"""Student handouts: ``python -m sercnn handout CHAPTER -o DIR`` writes a chapter without its solutions.

What is removed, and what is kept:

- every code cell tagged ``solution``;
- every cell from a markdown ```` ```{solution-start} ```` up to and including the one that closes its
  ```` ```{solution-end} ```` (sphinx-exercise's gated solutions: the prose, the code cells between them);
- every ```` ```{solution} ```` directive block (sphinx-exercise's plain solutions);
- where a markdown cell holds exercise text or other prose beside a solution block, only the block: the rest of
  the cell stays;
- all outputs and execution counts, and the notebook's saved widget state.

Everything else stays: the exercise directives (with their labels), the student cells with ``answer = None``
and their ``check_...(answer)`` calls from :mod:`sercnn.book.exercises`, which then say "Not answered yet"; a first
markdown cell says that this is the student version. The result runs top to bottom (``tests/test_handout.py``
executes every chapter's handout with papermill).

**Why nbconvert's preprocessors, not nbgrader or otter-grader.** Both are built around their own source format:
nbgrader around cells marked in its metadata (``nbgrader.solution``, ``grade_id``) and ``### BEGIN SOLUTION``
markers inside them, generated in a course directory with a gradebook database; otter-grader around its
``# BEGIN QUESTION`` / ``# BEGIN SOLUTION`` raw cells. This book's exercises are sphinx-exercise directives in
markdown, checked by :mod:`sercnn.book.exercises` rather than by hidden grading tests, so either tool would mean
rewriting every exercise, and the book's code cells, in its format, and neither would then remove a
sphinx-exercise solution block. nbconvert (already installed with the book and test extras) is what both of
them build on: its preprocessor chain, configured here, clears the outputs (``ClearOutputPreprocessor``) and
removes the cells tagged ``solution`` (``TagRemovePreprocessor``); :class:`SolutionRemovePreprocessor`, one
preprocessor more in the same chain, removes the fenced solution blocks, which no tag or whole-cell regular
expression can (a block spans several cells, and may share a cell with an exercise).

The source is never overwritten, and nothing is written into the book's folder unless a file there is named
explicitly (``-o book/05-assignment.ipynb``).
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from .. import __version__

#: Where the chapters are in a clone: ``book/`` beside the package (else ``book/`` of the working directory).
BOOK = Path(__file__).resolve().parents[2] / "book"


def _book(book: Path | None) -> Path:
    if book is not None:
        return book
    return BOOK if BOOK.is_dir() else Path("book")

#: The opening line of a fenced block (backticks or MyST colons), with the directive name if it has one.
_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,}|:{3,})\s*(?:\{(?P<name>[\w-]+)\})?(?P<rest>.*)$")
_SOLUTION_NAMES = ("solution", "solution-start", "solution-end")
#: The id of the note that opens every handout.
NOTE_ID = "student-version-note"


class SolutionBlockError(ValueError):
    """A chapter whose solution blocks do not pair up (a start without an end, an end without a start)."""


def _closes(line: str, fence: str) -> bool:
    """Whether ``line`` closes a block opened with ``fence``: the same character, at least as many, nothing else."""
    stripped = line.strip()
    return (len(line) - len(line.lstrip(" ")) <= 3 and len(stripped) >= len(fence)
            and set(stripped) == {fence[0]})


def solution_flags(cells: list) -> list:
    """Which parts of ``cells`` are solutions: for a markdown cell a list with one flag per line of its source
    (true where the line belongs to a solution block, or lies between a ``solution-start`` and its
    ``solution-end``), for any other cell one flag (true where it lies between them). Fenced blocks other than
    solutions (code, exercises) are passed over whole, so a solution directive shown as an example inside a code
    block is no solution. Raises :class:`SolutionBlockError` where the blocks do not pair up."""
    flags: list = []
    gated: str | None = None  # the label of the open solution-start block
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "markdown":
            flags.append(gated is not None)
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        lines: list[bool] = []
        open_fence: str | None = None  # the fence of the block the line is in
        dropping = False  # that block is a solution block
        ends_gate = False  # that block is a solution-end: the gate closes with it
        for line in source.split("\n"):
            if open_fence is not None:
                lines.append(dropping or gated is not None)
                if _closes(line, open_fence):
                    open_fence = None
                    if ends_gate:
                        gated, ends_gate = None, False
                    dropping = False
                continue
            match = _FENCE.match(line)
            if match is not None and match["name"] in _SOLUTION_NAMES:
                name, label = match["name"], match["rest"].strip()
                if name == "solution-start":
                    if gated is not None:
                        raise SolutionBlockError(f"cell {index}: solution-start {label!r} inside the open "
                                                 f"solution-start {gated!r}; close it with a solution-end first")
                    gated = label or "?"
                elif name == "solution-end":
                    if gated is None:
                        raise SolutionBlockError(f"cell {index}: a solution-end without a solution-start")
                    ends_gate = True
                open_fence, dropping = match["fence"], True
            elif match is not None:
                open_fence, dropping = match["fence"], False  # code, an exercise, a note: passed over whole
            lines.append(open_fence is not None and dropping or gated is not None)
        if open_fence is not None and dropping:
            raise SolutionBlockError(f"cell {index}: a solution block's fence ({open_fence}) is not closed in its "
                                     "cell")
        flags.append(lines)
    if gated is not None:
        raise SolutionBlockError(f"solution-start {gated!r} has no solution-end")
    return flags


def strip_solution_blocks(cells: list) -> list:
    """The cells without their sphinx-exercise solutions (:func:`solution_flags`): cells between a
    ``solution-start`` and its ``solution-end`` are dropped, markdown cells lose the lines of solution blocks (and
    are dropped where only blank lines are left), every other cell is returned as it is."""
    kept = []
    for cell, flag in zip(cells, solution_flags(cells)):
        if not isinstance(flag, list):
            if not flag:
                kept.append(cell)
            continue
        if not any(flag):
            kept.append(cell)
            continue
        out = [line for line, inside in zip(cell.source.split("\n"), flag) if not inside]
        text = re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip("\n")
        if text.strip():
            cell.source = text
            kept.append(cell)
    return kept


def _preprocessor_class():
    from nbconvert.preprocessors import Preprocessor

    class SolutionRemovePreprocessor(Preprocessor):
        """nbconvert preprocessor: removes sphinx-exercise solution blocks (:func:`strip_solution_blocks`)."""

        def preprocess(self, nb, resources):
            nb.cells = strip_solution_blocks(nb.cells)
            return nb, resources

    return SolutionRemovePreprocessor


def chapter_number(path: Path) -> str:
    """The chapter's number from its file name (``05_2d_cnn_lstm`` -> ``5``), else the file's stem."""
    match = re.match(r"(\d+)(?:[_-]|$)", path.stem)
    return str(int(match[1])) if match else path.stem


def student_notebook(source: str | Path):
    """The student version of the notebook at ``source``, as an ``nbformat`` notebook: nbconvert's
    ``ClearOutputPreprocessor`` and ``TagRemovePreprocessor`` (tag ``solution``) and
    :class:`SolutionRemovePreprocessor`, then a first markdown cell that says what it is."""
    import nbformat
    from nbconvert.exporters import NotebookExporter
    from traitlets.config import Config

    source = Path(source)
    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = {"solution"}
    config.ClearOutputPreprocessor.enabled = True
    exporter = NotebookExporter(config=config)
    exporter.register_preprocessor(_preprocessor_class(), enabled=True)
    nb = nbformat.read(source, as_version=4)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"path": str(source.parent)}})
    student = nbformat.reads(body, as_version=4)
    student.metadata.pop("widgets", None)
    note = nbformat.v4.new_markdown_cell(
        f"> **Student version of chapter {chapter_number(source)} (solutions removed).** Made from "
        f"`{source.name}` by `python -m sercnn handout` (sercnn {__version__}). Answer each exercise in the cell "
        "below it (replace `None`) and run the check that follows, which says whether the answer is right and why."
    )
    note.id = NOTE_ID
    student.cells = [note, *(c for c in student.cells if c.get("id") != NOTE_ID)]  # a handout's handout: one note
    nbformat.validate(student)
    return student


def find_chapter(chapter: str | Path, book: Path | None = None) -> Path:
    """The notebook ``chapter`` names: a path to a notebook, or a chapter of ``book`` by its number (``5``,
    ``05``) or its name (``05_2d_cnn_lstm``, with or without ``.ipynb``)."""
    given, book = Path(chapter), _book(book)
    if given.suffix == ".ipynb" and given.is_file():
        return given
    chapters = sorted(book.glob("*.ipynb"))
    name = given.name.removesuffix(".ipynb")
    if name.isdigit():
        found = [p for p in chapters if re.match(rf"0*{int(name)}(?:[_-]|$)", p.stem)]
    else:
        found = [p for p in chapters if p.stem == name]
    if len(found) == 1:
        return found[0]
    known = ", ".join(p.stem for p in chapters) or f"none: {book} holds no notebooks"
    what = "several chapters match" if found else "no such chapter"
    raise ValueError(f"{chapter}: {what}; give a notebook's path or one of the chapters ({known})")


def handout(chapter: str | Path, out: str | Path, book: Path | None = None) -> Path:
    """Write the student version of ``chapter`` (see :func:`find_chapter`) and return its path.

    ``out`` is a folder (created if missing; the handout keeps the chapter's file name, so that the links
    between chapters still work) or a file name ending in ``.ipynb``. The source is never overwritten, nor any
    other chapter, and the book's own folder is refused as ``out``: a notebook there would become a chapter for
    the tests and the build. Name a file there explicitly (``book/05-assignment.ipynb``) if that is meant."""
    import nbformat

    book = _book(book)
    source = find_chapter(chapter, book).resolve()
    target = Path(out)
    if target.suffix != ".ipynb":
        if target.resolve() in {source.parent, book.resolve()}:
            raise ValueError(f"{target}/ is the book's own folder, where tests/test_book.py would take the handout "
                             f"for a chapter; choose another folder, or name the file explicitly "
                             f"(-o {target / (source.stem + '-assignment.ipynb')})")
        target = target / source.name
    resolved = target.resolve()
    if resolved == source:
        raise ValueError(f"{target} is the chapter itself; the handout never overwrites its source")
    chapters = {p.resolve() for p in (*book.glob("*.ipynb"), *source.parent.glob("*.ipynb"))}
    if resolved in chapters and _is_chapter(resolved):
        raise ValueError(f"{target} is a chapter of the book; the handout never overwrites one")
    student = student_notebook(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(student, target)
    return target


def _is_chapter(path: Path) -> bool:
    """Whether the notebook at ``path`` is a source (not a handout written earlier: those open with the note)."""
    import nbformat

    try:
        cells = nbformat.read(path, as_version=4).cells
    except Exception:  # noqa: BLE001 (unreadable: not ours to overwrite)
        return True
    return not (cells and cells[0].get("id") == NOTE_ID)


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The options of ``python -m sercnn handout`` (shared by :func:`main` and :mod:`sercnn.cli`)."""
    parser.add_argument("chapter", help="a chapter of book/ by number (05) or name (05_2d_cnn_lstm), or a notebook's "
                        "path")
    parser.add_argument("-o", "--out", required=True, metavar="DIR",
                        help="the folder for the handout (created if missing; the file keeps the chapter's name), "
                        "or a file name ending in .ipynb; never the chapter itself, and book/ only as a file "
                        "named explicitly")
    return parser


def run(args: argparse.Namespace) -> int:
    """``python -m sercnn handout``: write the handout and say where it is."""
    target = handout(args.chapter, args.out)
    print(f"student version (solutions removed, outputs cleared): {target}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m sercnn.book.handout CHAPTER -o DIR``, the same as ``python -m sercnn handout``."""
    import sys

    parser = add_arguments(argparse.ArgumentParser(
        prog="python -m sercnn handout", description="Write a chapter's student version: its solutions "
        "(cells tagged solution, sphinx-exercise solution blocks) and outputs removed, its exercises and checks kept."))
    args = parser.parse_args(argv)
    try:
        return run(args)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
