"""The paper's numbers in the book's prose come from ``sercnn.paper`` through myst-nb's ``glue``, never typed.

Every markdown cell of every chapter is scanned for decimal numbers (``95.33``, ``82.42``) equal, to two
decimals, to a value of one of ``sercnn.paper``'s tables (Tables 3-9); each such number is a typed paper figure
and fails the test. Not counted: text in code spans, fenced blocks and maths; ``{glue:...}`` roles; numbers that
name a section, equation, table or figure ("section 4.1", "eq. 10"); dotted section numbers (``3.1.1``); whole
numbers (years, sizes such as 128, 251, 535, 8, 16), the trivial 0 and 100, numbers with more than two decimals
(the paper prints two: ``4.064`` s is a window) and numbers below 1 (momenta, dropout, shares such as 0.9 or
0.3). Code cells may compute with the tables' values; they are not prose.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from sercnn import paper

BOOK = Path(__file__).resolve().parents[1] / "book"

#: Typed paper figures in cells this test's authors may not edit: (notebook, number) -> why it stays. Glue the
#: number in its cell and remove the entry.
ALLOWLIST: dict[tuple[str, str], str] = {}

NUMBER = re.compile(r"(?<![\w.])(\d+\.\d{1,2})(?![\w.]*\d)")
CONTEXT = re.compile(r"(?:sections?|sec\.|§|tables?|figs?\.|figures?)\s*$|(?:eqs?\.?|equations?)\s*\(?$",
                     re.IGNORECASE)
HIDDEN = re.compile(r"```.*?```|~~~.*?~~~|\$\$.*?\$\$|\$[^$\n]+\$|`[^`\n]*`|\{glue:[a-z]+\}`[^`]*`", re.DOTALL)


def paper_values() -> set[float]:
    """Every number of ``sercnn.paper``'s tables, to two decimals, without the trivial 0 and 100."""
    values: set[float] = set()

    def walk(x):
        if isinstance(x, bool) or x is None:
            return
        if isinstance(x, (int, float)):
            values.add(round(float(x), 2))
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, (list, tuple)):
            for v in x:
                walk(v)

    for name in dir(paper):
        if name.startswith("TABLE_"):
            walk(getattr(paper, name))
    return values - {0.0, 100.0}


def typed_figures(markdown: str, values: set[float]) -> list[str]:
    """The decimal numbers of ``markdown`` (outside code, maths and glue roles) that are paper figures."""
    text = HIDDEN.sub(" ", markdown)
    found = []
    for m in NUMBER.finditer(text):
        if CONTEXT.search(text[max(0, m.start() - 12):m.start()].rstrip()):
            continue
        if float(m.group(1)) >= 1 and round(float(m.group(1)), 2) in values:
            found.append(m.group(1))
    return found


def test_the_rule_catches_typed_figures_and_spares_the_rest():
    values = paper_values()
    caught = typed_figures("averages (95.33, 95.89) above 7(b) (76.64, 82.42); 91.55 % of happy; 95.28 %", values)
    assert caught == ["95.33", "95.89", "76.64", "82.42", "91.55", "95.28"]
    spared = ("section 4.1, sections 3.1.1 and 3.5, eq. 10, Table 7, 2019, 128 x 251, 535 utterances, 8 s, "
              "16 kHz, `95.33`, $95.33$, {glue:text}`t7a:.2f`, 4.064 s, 100 %, 0.0")
    assert typed_figures(spared, values) == []


def test_no_chapter_types_a_paper_figure_in_its_prose():
    values = paper_values()
    offenders = []
    for path in sorted(BOOK.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "markdown":
                continue
            for number in typed_figures(cell.source, values):
                if (path.name, number) not in ALLOWLIST:
                    offenders.append(f"{path.name}, cell {i}: {number}")
    assert not offenders, ("paper figures typed into markdown (glue them from sercnn.paper: "
                           "glue(name, value) in a code cell, {glue:text}`name:.2f` in the text): "
                           + "; ".join(offenders))
