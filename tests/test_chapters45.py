"""What chapters 4 and 5 (and every chapter's provenance notes) use: the training plots, the early-stopping
rule, the exercise checks, the metrics table and the notebook helpers."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from sercnn import records, training  # noqa: E402
from sercnn.book import exercises, notebook, plots  # noqa: E402
from sercnn.evaluation import metrics  # noqa: E402

RESULTS = Path(__file__).resolve().parents[1] / "results"
HISTORY = {"loss": [2.0, 1.5, 1.2], "accuracy": [0.2, 0.4, 0.5], "val_loss": [1.9, 1.6, 1.7],
           "val_accuracy": [0.25, 0.5, 0.45]}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_history_frame_is_long_form_with_percent_accuracy():
    frame = training.history_frame(HISTORY)
    assert len(frame) == 12
    acc = frame[(frame.metric == "accuracy") & (frame.set == "validation")]
    assert acc["value"].tolist() == [25.0, 50.0, 45.0]
    assert acc["epoch"].tolist() == [1, 2, 3]


def test_training_curves_and_compare_curves_draw_labelled_axes():
    axes = plots.training_curves(HISTORY, best_epoch=2)
    assert [a.get_xlabel() for a in axes] == ["epoch", "epoch"]
    assert axes[1].get_ylabel() == "accuracy (%)"
    ax = plots.compare_curves({"a": HISTORY, "b": HISTORY}, "val_accuracy", chance=0.2)
    assert len(ax.get_lines()) == 3
    assert ax.get_ylabel() == "validation accuracy (%)"


def test_confusion_matrix_shows_row_percentages():
    result = metrics(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]), ["anger", "sadness"])
    ax = plots.confusion_matrix(result)
    texts = sorted(t.get_text() for t in ax.texts)
    assert texts == ["0", "100", "50", "50"]
    assert ax.get_xlabel() == "predicted emotion"


@pytest.mark.parametrize(
    "values, patience, start, expected",
    [
        ([0.1, 0.2, 0.3], 2, 0, (3, 3)),
        ([0.5, 0.4, 0.4], 2, 0, (3, 1)),
        ([0.5, 0.4, 0.4, 0.4], 2, 2, (4, 1)),
        ([0.1, 0.3, 0.3, 0.2, 0.4], 3, 0, (5, 5)),
    ],
)
def test_early_stop_rule(values, patience, start, expected):
    assert training.early_stop(values, patience, start) == expected


def test_early_stop_rule_matches_train_on_the_committed_runs():
    runs = [r for r in records.load_records(RESULTS) if "training" in r]  # the networks (baselines train no epochs)
    assert runs, "results/ holds run records"
    for r in runs:
        cfg, t = r["config"], r["training"]
        stop, best = training.early_stop(r["history"]["val_accuracy"], cfg["patience"], cfg["start_from_epoch"])
        assert best == t["best_epoch"], r["run"]
        if t["stopped_early"]:
            assert stop == t["epochs_run"], r["run"]


def test_early_stop_rule_matches_train():
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(24, 4)).astype("float32"), rng.integers(0, 3, 24)
    result = training.train(model, x, y, x[:8], y[:8], epochs=12, patience=2, start_from_epoch=1, progress=False)
    assert training.early_stop(result.history["val_accuracy"], 2, 1) == (result.epochs_run, result.best_epoch)


def test_check_uar():
    def right(y_true, y_pred):
        return 100 * np.mean([np.mean(y_pred[y_true == c] == c) for c in np.unique(y_true)])

    def accuracy(y_true, y_pred):
        return 100 * np.mean(y_true == y_pred)

    def broken(y_true, y_pred):
        raise RuntimeError("oops")

    assert exercises.check_uar(right)
    wrong = exercises.check_uar(accuracy)
    assert not wrong and "accuracy" in repr(wrong)
    assert "RuntimeError" in repr(exercises.check_uar(broken))
    assert exercises.check_uar(None) is exercises.NOT_ANSWERED and not exercises.NOT_ANSWERED


def test_check_early_stop():
    values = [0.2, 0.5, 0.4, 0.3, 0.6]
    assert exercises.check_early_stop((4, 2), values, 2, 0)
    assert not exercises.check_early_stop((5, 5), values, 2, 0)
    assert not exercises.check_early_stop("four", values, 2, 0)
    assert not exercises.check_early_stop(None, values, 2, 0)


@pytest.fixture
def record():
    runs = records.load_records(RESULTS / "emodb-2d-si-heldout")
    return runs[0]


def test_metrics_table_has_three_scopes_and_the_paper(record):
    table = records.metrics_table(record)
    assert table.loc["test (held out)", "accuracy %"] == round(record["metrics"]["test"]["accuracy"], 2)
    assert table.loc["the paper, Table 7(b)", "accuracy %"] == record["paper"]["table_7b_validation"]
    assert len(table) == 4


def test_record_note_names_command_commit_split_seed_hardware(record):
    text = str(notebook.record_note(record))
    for needle in (record["command"], record["git"]["commit"][:10], "test speakers 03, 08", "seed 0", "AMD"):
        assert needle in text


def test_corpus_note_is_loud_about_the_synthetic_corpus(tmp_path):
    import pandas as pd

    df = pd.DataFrame({"speaker": ["a", "b"], "emotion": pd.Categorical(["x", "y"])})
    df.attrs.update(corpus="synthetic", source="synthesised")
    assert "Synthetic corpus" in notebook.corpus_note(df)._repr_markdown_()
    df.attrs.update(corpus="emodb", source="local")
    assert "corpus: emodb" in str(notebook.corpus_note(df))


def test_papermill_command_and_run_directory(tmp_path, monkeypatch):
    cmd = notebook.papermill_command("05_2d_cnn_lstm", {"epochs": 100, "test_speakers": "03 08"})
    assert cmd == "papermill book/05_2d_cnn_lstm.ipynb 05_2d_cnn_lstm-out.ipynb -p epochs 100 -p test_speakers '03 08'"
    assert notebook.run_directory("results/x", "n") == Path("results/x")
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    first, second = notebook.run_directory(None, "n"), notebook.run_directory("", "n")
    assert first != second and first.name.startswith("n-") and first.is_dir()
    assert tmp_path in first.parents


def test_find_results_walks_up(tmp_path):
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "README.md").write_text("records")
    (tmp_path / "book").mkdir()
    assert notebook.find_results(tmp_path / "book") == tmp_path / "results"
