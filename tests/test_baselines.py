"""sercnn.baselines: openSMILE functionals with a linear SVM, on the same folds as the networks."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("opensmile")

from sercnn.baselines import BaselineConfig, fit, run  # noqa: E402
from sercnn.features import FUNCTIONALS, FeatureSettings, functionals  # noqa: E402


def test_functionals_have_the_documented_length():
    t = np.arange(16000) / 16000
    y = (0.3 * np.sin(2 * np.pi * 180 * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t))).astype(np.float32)
    for name, n in FUNCTIONALS.items():
        v = functionals(y, 16000, name)
        assert v.shape == (n,) and v.dtype == np.float32 and np.isfinite(v).all()
        assert FeatureSettings(kind=name).shape == (n,)
    with pytest.raises(ValueError, match="feature_set"):
        functionals(y, 16000, "MFCC")


def test_c_is_chosen_inside_the_training_data_only():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((60, 5))
    y = (x[:, 0] > 0).astype(int)
    groups = np.repeat(["a", "b", "c", "d", "e", "f"], 10)
    search = fit(x, y, groups, c_grid=(1e-3, 1.0))
    assert search.n_splits_ == 5 and search.best_params_["linearsvc__C"] in (1e-3, 1.0)


def test_the_grid_search_in_parallel_chooses_and_fits_what_it_does_in_one_process():
    """Every fit of the grid is seeded, so its processes change the time, never the record."""
    rng = np.random.default_rng(0)
    x, y, groups = rng.normal(size=(120, 400)), rng.integers(0, 4, 120), np.repeat(np.arange(6), 20)
    one, two = (fit(x, y, groups, [1e-4, 1e-2, 1.0], 0, n_jobs=n) for n in (1, 2))
    assert one.best_params_ == two.best_params_
    np.testing.assert_array_equal(one.cv_results_["mean_test_score"], two.cv_results_["mean_test_score"])
    np.testing.assert_array_equal(one.best_estimator_[-1].coef_, two.best_estimator_[-1].coef_)


def test_config_is_checked():
    with pytest.raises(ValueError, match="baseline model"):
        BaselineConfig(model="svm-mfcc")
    with pytest.raises(ValueError, match="fold"):
        BaselineConfig(split="loso")


def test_baseline_run_record(tmp_path):
    cfg = BaselineConfig(corpus="synthetic", model="svm-egemaps", split="loso", fold="s03", max_per_speaker_class=2)
    record = run(cfg, tmp_path / "r", command="test", progress=False)
    assert record["split"]["test_speakers"] == ["s03"] and "s03" not in record["split"]["train_speakers"]
    assert record["selection"]["c"] in cfg.c_grid
    assert "grouped by speaker" in record["selection"]["monitored"]
    saved = json.loads((tmp_path / "r" / "record.json").read_text())
    assert saved["metrics"]["test"]["n"] == len(saved["test_predictions"])


@pytest.mark.emodb
def test_emodb_speaker_independent_baseline_on_the_networks_folds(emodb_root, tmp_path):
    """The baseline runs in CI on all of EmoDB: the five test pairs, the same test utterances as the
    committed network records, and well above chance (14 %)."""
    from pathlib import Path

    from sercnn.protocol import run_protocol

    summary = run_protocol("speaker-independent", BaselineConfig(corpus="emodb", model="svm-compare"),
                           tmp_path / "svm", command="test")
    assert [f["fold"] for f in summary["folds"]] == ["03-08", "10-09", "11-13", "12-14", "15-16"]
    assert summary["accuracy"]["mean"] > 55
    assert summary["pooled_test"]["n"] == 535
    committed = Path(__file__).parents[1] / "results" / "emodb-2d-si-heldout" / "emodb-2d-si-heldout-03-08-seed0.json"
    network = json.loads(committed.read_text())
    ours = json.loads((tmp_path / "svm" / "03-08" / "record.json").read_text())
    assert ours["split"]["test_utterances"] == network["split"]["test_utterances"]
