"""The package side of chapters 6 and 7: their plots, exercise checks, and where the results chapter finds the
committed records outside a clone."""

from __future__ import annotations

import zipfile

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from sercnn import paper  # noqa: E402
from sercnn.book import exercises, notebook, plots  # noqa: E402


def _search(accs, optimizers):
    return {"trials": [{"number": i + 1, "accuracy": a, "uar": a, "best_epoch": 3, "seconds": 1.0,
                        "params": {"optimizer": o, "learning_rate": 10.0 ** -(i % 4 + 2), "batch_size": 16,
                                   "l2_weight": 1e-5, "bn_momentum": 0.9, "dropout": 0.1}}
                       for i, (a, o) in enumerate(zip(accs, optimizers))]}


def test_search_figures():
    tpe = _search([40, 55, 50, 60, 58], ["adam", "sgd", "adam", "rmsprop", "adagrad"])
    rnd = _search([45, 42, 52, 50, 49], ["sgd"] * 5)
    ax = plots.search_progress({"TPE": tpe, "random": rnd})
    assert [line.get_ydata()[-1] for line in ax.get_lines()] == [60, 52]
    ax = plots.search_by_optimizer(tpe)
    assert ax.get_xscale() == "log" and "optimizer" in ax.get_legend().get_title().get_text()
    plt.close("all")


def test_fold_comparison_and_paper_confusion():
    s = {"folds": [{"fold": "a", "accuracy": 60.0}, {"fold": "b", "accuracy": 70.0}], "accuracy": {"mean": 65.0}}
    ax = plots.fold_comparison({"net": s, "svm": s})
    assert ax.get_ylabel() == "held-out test accuracy (%)" and len(ax.patches) >= 4
    ax = plots.paper_confusion(paper.TABLE_5["2d"], paper.CLASSES["emodb"])
    assert "95.9" in ax.get_title() and ax.get_xlabel() == "predicted emotion"
    plt.close("all")


def test_exercise_checks():
    trials = pd.DataFrame({"accuracy": [50.0, 60.0, 60.0, 55.0]}, index=pd.Index([1, 2, 3, 4], name="trial"))
    assert exercises.check_first_best_trial(2, trials)
    assert not exercises.check_first_best_trial(3, trials)
    assert "earlier trial" in repr(exercises.check_first_best_trial(3, trials))
    assert not exercises.check_first_best_trial(None, trials)
    assert exercises.check_cell_count(65)
    assert not exercises.check_cell_count(64)
    assert not exercises.check_cell_count("many")


def test_results_folder_downloads_the_records_outside_a_clone(tmp_path, monkeypatch):
    archive = tmp_path / "main.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("sercnn-book-main/results/README.md", "records")
        z.writestr("sercnn-book-main/results/protocols/x/summary.json", "{}")
        z.writestr("sercnn-book-main/sercnn/__init__.py", "")
    monkeypatch.setattr(notebook, "find_results", lambda start=None: None)
    monkeypatch.setenv("SERCNN_CACHE", str(tmp_path / "cache" / "features"))
    import pooch

    monkeypatch.setattr(pooch, "retrieve", lambda *a, **k: str(archive))
    found = notebook.results_folder()
    assert found is not None and (found / "protocols" / "x" / "summary.json").exists()
    assert not list(found.parent.glob("sercnn"))  # only results/ is extracted

    def offline(*a, **k):
        raise OSError("no network")

    monkeypatch.setattr(pooch, "retrieve", offline)
    monkeypatch.setenv("SERCNN_CACHE", str(tmp_path / "other" / "features"))
    with pytest.warns(UserWarning, match="could not be downloaded"):
        assert notebook.results_folder() is None


def test_search_explorer_redraws_for_each_hyperparameter():
    pytest.importorskip("ipywidgets")
    from sercnn.book.widgets import search_explorer

    box = search_explorer(_search([40, 55, 50], ["adam", "sgd", "adam"]))
    dropdown = box.children[0]
    assert "learning_rate" in dropdown.options and "optimizer" not in dropdown.options
    for name in dropdown.options:
        dropdown.value = name  # each redraw must work
    plt.close("all")


def test_fold_explorer_reads_the_fold_records(tmp_path):
    pytest.importorskip("ipywidgets")
    import json

    from records_fixture import make_record

    from sercnn.book import results
    from sercnn.book.widgets import fold_explorer
    from sercnn.evaluation import metrics

    names = paper.CLASSES["emodb"]
    for model in ("2d", "svm-compare"):
        folder = tmp_path / "protocols" / f"emodb-{model}-loso"
        folds = []
        for fold in ("03", "08"):
            m = metrics([0, 1, 2, 3], [0, 1, 2, 0], names)
            (folder / fold).mkdir(parents=True)
            kind = "network" if model == "2d" else "baseline"
            record = make_record(kind, metrics={"test": m})
            record["corpus"]["classes"] = list(names)
            (folder / fold / "record.json").write_text(json.dumps(record))
            folds.append({"fold": fold, "accuracy": m["accuracy"]})
        (folder / "summary.json").write_text(json.dumps({"corpus": "emodb", "model": model, "protocol": "loso",
                                                         "folds": folds}))
    protocols = results.load_protocols(tmp_path)
    box = fold_explorer(tmp_path, protocols)
    assert box.children[1].options == ("03", "08")
    box.children[1].value = "08"
    plt.close("all")
