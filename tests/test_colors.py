"""One colour per model across every figure of the book (``sercnn.book.plots.MODEL_COLORS``): a model drawn in two
panels, or in two figures, has the same colour in each."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from sercnn.book import plots  # noqa: E402
from sercnn.book.results import MODEL_NAMES  # noqa: E402


def _summary(model: str, accuracies: list[float]) -> dict:
    return {"model": model, "folds": [{"fold": f"f{i}", "accuracy": a} for i, a in enumerate(accuracies)],
            "accuracy": {"mean": sum(accuracies) / len(accuracies)}}


def _bar_colors(ax) -> dict[str, set[str]]:
    """Legend label -> the colours of its bars (seaborn's hue containers carry the labels)."""
    out = {}
    for container in ax.containers:
        out[container.get_label()] = {to_hex(p.get_facecolor()) for p in container}
    return out


def test_a_model_keeps_its_colour_in_every_panel_of_the_fold_figure():
    panels = {  # the panels of chapter 7's figure: different models, in different positions, per protocol
        "speaker-independent": ["2d", "1d", "svm-compare", "svm-egemaps"],
        "loso": ["2d", "svm-compare", "svm-egemaps"],
        "speaker-dependent": ["svm-egemaps", "1d"],
    }
    seen: dict[str, set[str]] = {}
    for models in panels.values():
        _, ax = plt.subplots()
        plots.fold_comparison({MODEL_NAMES[m]: _summary(m, [60.0, 70.0]) for m in models}, ax=ax)
        assert len(ax.containers) == len(models)  # one container of bars per model, in the hue order
        for model, container in zip(models, ax.containers):
            seen.setdefault(MODEL_NAMES[model], set()).update(to_hex(p.get_facecolor()) for p in container)
        legend = {t.get_text(): to_hex(h.get_facecolor())
                  for t, h in zip(ax.get_legend().get_texts(), ax.get_legend().legend_handles)}
        assert legend == {MODEL_NAMES[m]: to_hex(plots.MODEL_COLORS[m]) for m in models}
        dotted = {to_hex(line.get_color()) for line in ax.get_lines() if line.get_linestyle() == ":"}
        assert dotted == {to_hex(plots.MODEL_COLORS[m]) for m in models}
        plt.close("all")
    for model in ("2d", "1d", "svm-compare", "svm-egemaps"):
        assert seen[MODEL_NAMES[model]] == {to_hex(plots.MODEL_COLORS[model])}, model
    assert len({to_hex(plots.MODEL_COLORS[m]) for m in ("2d", "1d", "svm-compare", "svm-egemaps")}) == 4


def test_the_networks_keep_their_colours_in_chapter_0s_figure():
    from records_fixture import make_record, scores

    runs = [make_record(corpus={"name": "emodb", "subset": None}, split={"protocol": "speaker-independent"},
                        config={"model": m}, selection={"mode": "held-out"},
                        metrics={"test": scores(accuracy=a)})
            for m, a in (("1d", 40.0), ("2d", 55.0))]
    ax = plots.paper_against_book("emodb", "speaker-independent", runs)
    colors = _bar_colors(ax)
    book = colors["this book, held-out test (mean over runs)"]
    assert book == {to_hex(plots.MODEL_COLORS["1d"]), to_hex(plots.MODEL_COLORS["2d"])}
    assert colors["paper, Table 7(a) average"] == {to_hex(plots.MODEL_COLORS["paper-7a"])}
    assert colors["paper, Table 7(b) validation"] == {to_hex(plots.MODEL_COLORS["paper-7b"])}
    legend = {t.get_text() for t in ax.get_legend().get_texts()}
    assert any("1D" in t for t in legend) and any("2D" in t for t in legend)
    plt.close("all")


def test_curves_and_the_ladder_use_the_model_colours():
    ax = plots.compare_curves({"2D": {"val_accuracy": [0.5, 0.6]}, "1D": {"val_accuracy": [0.4, 0.5]}},
                              colors={"2D": "2d", "1D": "1d"})
    assert [to_hex(line.get_color()) for line in ax.get_lines()] == [to_hex(plots.MODEL_COLORS["2d"]),
                                                                    to_hex(plots.MODEL_COLORS["1d"])]
    plt.close("all")
    intervals = pd.DataFrame(
        [{"name": "paper", "kind": "rung", "label": "paper", "mean": 50.0, "low": 45.0, "high": 55.0, "ensemble": 52.0},
         {"name": "svm-compare-speaker", "kind": "baseline", "label": "ComParE", "mean": 60.0, "low": 58.0,
          "high": 62.0, "ensemble": None}]).set_index("name")
    ax = plots.ladder(intervals)
    colors = {to_hex(line.get_color()) for line in ax.get_lines() if line.get_label() and
              not line.get_label().startswith("_")}
    assert to_hex(plots.MODEL_COLORS["svm-compare"]) in colors
    for name, color in plots.BASELINE_COLORS.items():  # the baselines' bands share their model's hue family
        assert plots.model_color(name) == plots.MODEL_COLORS[name.rsplit("-", 1)[0]]
        assert color.startswith("#")
    plt.close("all")
