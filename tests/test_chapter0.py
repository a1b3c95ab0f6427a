"""Chapter 0 (book/00_introduction.ipynb): the paper-against-book figure, its widget and the exercise check."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sercnn import records  # noqa: E402
from sercnn.book import exercises, plots  # noqa: E402
from sercnn.paper import TABLE_7A, TABLE_7B  # noqa: E402

RESULTS = Path(__file__).resolve().parents[1] / "results"


def _heights(ax) -> list[float]:
    return [round(p.get_height(), 2) for c in ax.containers for p in c]


def test_paper_against_book_without_runs_shows_table_7():
    ax = plots.paper_against_book("iemocap", "speaker-dependent")
    key = ("iemocap", "speaker-dependent")
    assert sorted(_heights(ax)) == sorted([TABLE_7A[(*key, n)] for n in ("1d", "2d")]
                                          + [TABLE_7B[(*key, n)] for n in ("1d", "2d")])
    assert ax.get_ylabel() == "accuracy (%)"
    plt.close("all")


def test_paper_against_book_averages_only_matching_held_out_runs():
    runs = records.load_records(RESULTS / "emodb-2d-si-heldout") + records.load_records(RESULTS / "emodb-2d-si-paper")
    ax = plots.paper_against_book("emodb", "speaker-independent", runs)
    held_out = [r["metrics"]["test"]["accuracy"] for r in runs if r["selection"]["mode"] == "held-out"]
    assert len(held_out) == 5
    assert round(float(np.mean(held_out)), 2) in _heights(ax)
    assert "5 held-out runs" in " ".join(t.get_text() for t in ax.get_xticklabels())
    plt.close("all")


def test_paper_explorer_builds():
    from sercnn.book.widgets import paper_explorer

    widget = paper_explorer([], corpus="iemocap")
    assert len(widget.children) == 3
    plt.close("all")


def test_check_largest_gap():
    gaps = {k: TABLE_7A[k] - TABLE_7B[k] for k in TABLE_7A}
    best = max(gaps, key=gaps.get)
    assert exercises.check_largest_gap(best)
    assert exercises.check_largest_gap(list(best))
    other = next(k for k in gaps if k != best)
    assert not exercises.check_largest_gap(other)
    assert "key" in repr(exercises.check_largest_gap("emodb"))
    assert exercises.check_largest_gap(None) is exercises.NOT_ANSWERED
