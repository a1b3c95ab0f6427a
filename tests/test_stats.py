"""sercnn.stats: the paired interval against scipy on known data, verdicts, and ``compare`` pairing protocol
runs fold by fold and refusing runs whose folds or test utterances differ."""

from __future__ import annotations

import json

import numpy as np
import pytest
from records_fixture import make_record
from scipy import stats as sps

from sercnn import records
from sercnn.stats import (compare, describe, ensemble_against, ensemble_gain, finished_summary, fold_runs,
                          format_comparison, paired_interval, verdict)


def test_interval_is_scipys_bootstrap_and_wilcoxon():
    d = np.array([16.8, -6.2, 15.5, 8.7, 0.0])  # the window "ablation" of chapter 7, fold by fold
    got = paired_interval(d, seed=3)
    want = sps.bootstrap((d,), np.mean, confidence_level=0.95, n_resamples=9999, method="BCa",
                         random_state=np.random.default_rng(3)).confidence_interval
    assert got["method"] == "BCa" and got["n"] == 5
    assert got["mean"] == pytest.approx(d.mean())
    assert (got["low"], got["high"]) == pytest.approx((want.low, want.high))
    assert got["p"] == pytest.approx(sps.wilcoxon(d).pvalue)
    assert got["low"] < 0 < got["high"] and verdict(got) == "within noise"
    assert "within noise" in describe(got)


def test_interval_excluding_zero_is_real_in_the_right_direction():
    up = paired_interval([5.1, 6.3, 4.2, 7.7, 5.9, 6.4, 4.8, 5.5, 6.1, 7.0])
    assert up["low"] > 0 and verdict(up, "A", "B") == "A better" and "excludes zero" in describe(up)
    down = paired_interval([-5.1, -6.3, -4.2, -7.7, -5.9])
    assert down["high"] < 0 and verdict(down, "A", "B") == "B better"


def test_interval_of_identical_differences_and_bad_input():
    flat = paired_interval([0.0, 0.0, 0.0])
    assert flat["low"] == flat["high"] == 0.0 and flat["p"] == 1.0 and verdict(flat) == "within noise"
    for bad in ([1.0], [1.0, float("nan")], [[1.0, 2.0]]):
        with pytest.raises(ValueError, match="paired differences"):
            paired_interval(bad)


def _record(fold: str, seed: int, acc: float, uar: float, test: list[str], speakers: list[str]) -> dict:
    return make_record(run=fold, split={"seed": 0, "model_seed": seed, "test_speakers": speakers,
                                       "test_utterances": test},
                       metrics={"test": {"accuracy": acc, "uar": uar}})


def _protocol(folder, figures: dict[str, list[tuple[float, float]]], *, seeds: bool = True, tests=None):
    """A protocol folder as ``sercnn protocol`` writes it: summary.json and one record per fold and seed."""
    folds = []
    for fold, per_seed in figures.items():
        test = (tests or {}).get(fold, [f"{fold}-u{i}" for i in range(4)])
        for k, (acc, uar) in enumerate(per_seed):
            where = folder / fold / f"model-seed{k}" if seeds else folder / fold
            records.write_record(where, _record(fold, k, acc, uar, test, fold.split("-")))
        folds.append({"fold": fold})
    records.write_json(folder / "summary.json", {"folds": folds})
    return folder


def test_compare_pairs_seed_by_seed(tmp_path):
    a = _protocol(tmp_path / "a", {"01-02": [(70, 60), (72, 62)], "03-04": [(80, 75), (76, 71)],
                                   "05-06": [(65, 60), (69, 64)]})
    b = _protocol(tmp_path / "b", {"01-02": [(60, 50), (70, 66)], "03-04": [(70, 70), (70, 70)],
                                   "05-06": [(66, 61), (60, 61)]})
    result = compare(a, b)
    diffs = [r["accuracy difference"] for r in result["folds"]]
    assert diffs == pytest.approx([6.0, 8.0, 4.0])
    assert all(r["paired by seed"] for r in result["folds"])
    assert result["accuracy"]["mean"] == pytest.approx(6.0)
    assert result["uar"]["mean"] == pytest.approx(np.mean([3.0, 3.0, 1.0]))
    text = format_comparison(result, "rung", "below")
    assert "A - B = +6.00 points" in text and "Wilcoxon" in text


def test_compare_one_run_per_fold_against_seeds(tmp_path):
    a = _protocol(tmp_path / "a", {"01-02": [(70, 60), (74, 64)], "03-04": [(80, 75), (76, 71)]})
    b = _protocol(tmp_path / "b", {"01-02": [(60, 50)], "03-04": [(70, 70)]}, seeds=False)
    result = compare(a, b)
    assert [r["paired by seed"] for r in result["folds"]] == [False, False]
    assert [r["accuracy difference"] for r in result["folds"]] == pytest.approx([12.0, 8.0])


def test_fold_runs_reads_the_seeds_the_summary_names(tmp_path):
    """A ``--seeds 3`` run resuming a finished ``--seeds 1`` folder writes model-seed1 and 2 before its summary:
    until that summary is written, the folder is the one-seed run its summary describes."""
    a = _protocol(tmp_path / "a", {"01-02": [(70, 60), (72, 62)], "03-04": [(80, 75), (76, 71)]})
    s = json.loads((a / "summary.json").read_text())
    s["folds"] = [{"fold": f, "seeds": [{"run": "model-seed0"}]} for f in ("01-02", "03-04")]
    (a / "summary.json").write_text(json.dumps(s))
    runs = fold_runs(a)
    assert [len(v) for v in runs.values()] == [1, 1]
    assert runs["03-04"][0]["metrics"]["test"]["accuracy"] == 80


def test_finished_summary_only_for_complete_folders(tmp_path):
    assert finished_summary(tmp_path / "nothing") is None
    a = _protocol(tmp_path / "a", {"01-02": [(70, 60)]})
    assert finished_summary(a)["folds"] == [{"fold": "01-02"}]
    for partial in ({"complete": False, "folds": [{"fold": "01-02"}]}, {"folds": []}):
        (a / "summary.json").write_text(json.dumps(partial))
        assert finished_summary(a) is None


def test_compare_refuses_other_folds_or_other_test_utterances(tmp_path):
    a = _protocol(tmp_path / "a", {"01-02": [(70, 60)], "03-04": [(80, 75)]})
    other_folds = _protocol(tmp_path / "b", {"01-02": [(70, 60)], "05-06": [(80, 75)]})
    with pytest.raises(ValueError, match=r"different folds.*only in A \['03-04'\].*only in B \['05-06'\]"):
        compare(a, other_folds)
    other_test = _protocol(tmp_path / "c", {"01-02": [(70, 60)], "03-04": [(80, 75)]},
                           tests={"03-04": ["03-04-u0", "03-04-u1", "03-04-u2", "elsewhere"]})
    with pytest.raises(ValueError, match="fold 03-04: the test utterances differ"):
        compare(a, other_test)
    with pytest.raises(FileNotFoundError, match="not a protocol folder"):
        compare(a, tmp_path / "nothing")


def test_ensemble_against_pairs_the_ensemble_and_refuses_other_test_utterances(tmp_path):
    a = _protocol(tmp_path / "a", {"01-02": [(70, 60), (72, 62)], "03-04": [(80, 75), (76, 71)]})
    s = json.loads((a / "summary.json").read_text())
    for f, ens in zip(s["folds"], (75.0, 81.0)):
        f.update(accuracy=71.0, ensemble={"accuracy": ens})
    (a / "summary.json").write_text(json.dumps(s))
    b = _protocol(tmp_path / "b", {"01-02": [(60, 50)], "03-04": [(70, 70)]}, seeds=False)
    s = json.loads((b / "summary.json").read_text())
    for f, acc in zip(s["folds"], (60.0, 70.0)):
        f["accuracy"] = acc
    (b / "summary.json").write_text(json.dumps(s))
    assert ensemble_against(a, b)["mean"] == pytest.approx(13.0)
    other_test = _protocol(tmp_path / "c", {"01-02": [(70, 60)], "03-04": [(80, 75)]},
                           tests={"03-04": ["03-04-u0", "03-04-u1", "03-04-u2", "elsewhere"]})
    with pytest.raises(ValueError, match="fold 03-04: the test utterances differ"):
        ensemble_against(a, other_test)


def test_ensemble_gain_pairs_each_folds_ensemble_with_its_seeds_mean(tmp_path):
    a = _protocol(tmp_path / "a", {"01-02": [(70, 60), (72, 62)], "03-04": [(80, 75), (76, 71)]})
    with pytest.raises(ValueError, match="no ensemble"):
        ensemble_gain(a)
    s = json.loads((a / "summary.json").read_text())
    for f, (mean, ens) in zip(s["folds"], ((71.0, 75.0), (78.0, 79.0))):
        f.update(accuracy=mean, ensemble={"accuracy": ens})
    (a / "summary.json").write_text(json.dumps(s))
    gain = ensemble_gain(a)
    assert gain["mean"] == pytest.approx(2.5) and gain["n"] == 2
    with pytest.raises(ValueError, match="not a finished protocol folder"):
        ensemble_gain(tmp_path / "nothing")


def test_compare_command_line(tmp_path, capsys):
    from sercnn.cli import main

    a = _protocol(tmp_path / "a", {"01-02": [(70, 60)], "03-04": [(80, 75)], "05-06": [(70, 71)]})
    b = _protocol(tmp_path / "b", {"01-02": [(60, 50)], "03-04": [(70, 70)], "05-06": [(71, 70)]})
    assert main(["compare", str(a), str(b)]) == 0
    out = capsys.readouterr().out
    assert "A - B = +6.33 points" in out and "CI [" in out
    assert main(["compare", str(a), str(tmp_path / "missing")]) == 1
    assert "not a protocol folder" in capsys.readouterr().err
