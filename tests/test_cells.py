"""Pipeline logic that used to sit in chapter cells, now package functions the cells call (issue 13, part 3):
the committed run with given test speakers (chapters 4, 5), one run per configuration variant and the table of
BatchNorm's two modes (chapter 5), a pooled confusion's UAR (chapter 7), and one provenance line for records
and summaries (chapters 6, 7). Each function's docstring names its chapter on a ``Notebook:`` line."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import numpy as np
import pytest

from sercnn import evaluation, experiment, records
from sercnn.book import notebook, results

RESULTS = Path(__file__).resolve().parents[1] / "results"
CLASSES = ["anger", "boredom", "neutral"]


def _tiny_record(tmp_path: Path, folder: str, run: str, speakers: list[str]) -> None:
    """A committed run record of the repository, with another run name and test speakers."""
    source = records.load_records(RESULTS / "emodb-2d-si-heldout")[0]
    record = {k: v for k, v in source.items() if not k.startswith("_")}
    record["run"] = run
    record["split"] = {**record["split"], "test_speakers": speakers}
    (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    (tmp_path / folder / f"{run}.json").write_text(json.dumps(record))


@pytest.mark.parametrize("function", [notebook.committed_run, notebook.provenance_note, experiment.run_variants,
                                      results.pooled_metrics, results.training_against_inference,
                                      evaluation.metrics_from_confusion])
def test_each_names_its_chapter(function):
    assert "Notebook: ``book/0" in inspect.getdoc(function) or "Notebooks: ``book/0" in inspect.getdoc(function)


# --- committed_run (chapters 4 and 5) ---------------------------------------------------------------------


def test_committed_run_finds_the_test_speakers_in_any_order(tmp_path):
    _tiny_record(tmp_path, "runs", "a-03-08", ["03", "08"])
    _tiny_record(tmp_path, "runs", "b-10-09", ["10", "09"])
    assert notebook.committed_run("runs", ["09", "10"], results=tmp_path)["run"] == "b-10-09"
    assert notebook.committed_run("runs", "10 09", results=tmp_path)["run"] == "b-10-09"
    assert notebook.committed_run("runs", results=tmp_path)["run"] == "a-03-08"  # the first by name
    assert notebook.committed_run("runs", ["11", "13"], results=tmp_path) is None
    assert notebook.committed_run("elsewhere", results=tmp_path) is None


def test_committed_run_is_none_outside_a_clone(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert notebook.committed_run("emodb-2d-si-heldout") is None


def test_committed_run_reads_the_repository_records():
    run = notebook.committed_run("emodb-2d-si-heldout", ["08", "03"], results=RESULTS)
    assert run is not None and run["split"]["test_speakers"] == ["03", "08"]
    pitfall = notebook.committed_run("emodb-2d-si-heldout-keras-defaults", results=RESULTS)
    assert notebook.committed_run("emodb-2d-si-heldout", pitfall["split"]["test_speakers"], results=RESULTS)


# --- run_variants and training_against_inference (chapter 5) ----------------------------------------------


def test_run_variants_runs_each_change_once_and_reuses_the_base_run(monkeypatch, tmp_path):
    calls = []

    def fake_run(cfg, run_dir, **kwargs):
        calls.append((cfg.bn_momentum, cfg.epochs, Path(run_dir).name, kwargs))
        return {"config": {"bn_momentum": cfg.bn_momentum}}

    monkeypatch.setattr(experiment, "run", fake_run)
    cfg = experiment.RunConfig(model="2d", epochs=6, bn_momentum=0.9)
    base = {"the": "run above"}
    out = experiment.run_variants(cfg, {m: {"epochs": 6, "bn_momentum": m} for m in (0.99, 0.9)},
                                  lambda m: tmp_path / f"m{m}", base_record=base, progress=False)
    assert list(out) == [0.99, 0.9]
    assert out[0.9] is base  # no second identical run
    assert calls == [(0.99, 6, "m0.99", {"progress": False})]
    calls.clear()
    out = experiment.run_variants(cfg, {m: {"epochs": 3, "bn_momentum": m} for m in (0.99, 0.9)},
                                  lambda m: tmp_path / f"m{m}", base_record=base)
    assert [c[:2] for c in calls] == [(0.99, 3), (0.9, 3)]  # shorter than the base run: both run
    with pytest.raises(TypeError):
        experiment.run_variants(cfg, {"x": {"no_such_field": 1}}, lambda k: tmp_path)


def test_training_against_inference_is_two_rows_per_run():
    runs = {0.99: {"history": {"accuracy": [0.2, 0.81]}, "metrics": {"whole_database": {"accuracy": 14.0}}},
            0.9: {"history": {"accuracy": [0.3, 0.8]}, "metrics": {"whole_database": {"accuracy": 71.5}}}}
    table = results.training_against_inference(runs)
    assert list(table.columns) == ["momentum", "mode", "accuracy %"] and len(table) == 4
    pivot = table.pivot(index="mode", columns="momentum", values="accuracy %")
    assert pivot.loc["training (batch statistics), last epoch", 0.99] == pytest.approx(81.0)
    assert pivot.loc["inference (moving statistics), all utterances", 0.9] == 71.5


# --- metrics_from_confusion and pooled_metrics (chapter 7) ------------------------------------------------


def test_metrics_from_confusion_equals_metrics_of_the_labels():
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 3, 50), rng.integers(0, 3, 50)
    y_true[y_true == 2] = 1  # a class without test utterances: left out of the UAR
    direct = evaluation.metrics(y_true, y_pred, CLASSES)
    assert evaluation.metrics_from_confusion(direct["confusion"], CLASSES) == direct
    assert np.isnan(evaluation.metrics_from_confusion(np.zeros((3, 3)), CLASSES)["accuracy"])


def test_pooled_metrics_has_the_uar_of_the_pooled_confusion():
    counts = [[8, 2, 0], [1, 9, 0], [0, 5, 5]]
    summary = {"pooled_test": {"n": 30, "accuracy": 73.33, "confusion": counts,
                               "confusion_pct": [[80, 20, 0], [10, 90, 0], [0, 50, 50]], "classes": CLASSES}}
    pooled = results.pooled_metrics(summary)
    assert pooled["uar"] == pytest.approx((80 + 90 + 50) / 3)
    assert pooled["accuracy"] == 73.33 and pooled["n"] == 30
    assert pooled["per_class_recall"]["neutral"] == 50.0


def test_pooled_metrics_of_a_committed_protocol():
    summary = json.loads((RESULTS / "protocols" / "emodb-2d-si" / "summary.json").read_text())
    pooled = results.pooled_metrics(summary)
    diagonal = np.diag(np.asarray(summary["pooled_test"]["confusion_pct"], float))
    assert pooled["uar"] == pytest.approx(float(np.nanmean(diagonal)), abs=0.01)  # chapter 7 did (rounded %)


# --- provenance_note (chapters 6 and 7) -------------------------------------------------------------------


def test_provenance_note_of_a_record_and_of_a_search():
    run = records.load_records(RESULTS / "emodb-2d-si-heldout")[0]
    text = str(notebook.provenance_note(run, "8 s, float32", "one of 5 folds"))
    assert text.startswith("**8 s, float32**: `python -m sercnn") and text.endswith("; one of 5 folds.")
    assert run["git"]["commit"][:10] in text
    search = json.loads((RESULTS / "search" / "emodb-2d-03-08-tpe" / "search.json").read_text())
    text = str(notebook.provenance_note(search, "tpe"))
    assert f"{len(search['trials'])} trials in {search['wall_seconds'] / 60:.1f} min" in text
    assert search["objective"] in text and search["git"]["commit"][:10] in text
