"""sercnn.protocol: folds of the three protocols, the summary's arithmetic, resume, and the same folds for
the networks and the baseline."""

from __future__ import annotations

import json
from dataclasses import asdict

import numpy as np
import pandas as pd
import pytest

from sercnn.experiment import RunConfig
from sercnn.protocol import folds, mean_sd, run_protocol, summarise

QUICK = dict(corpus="synthetic", model="2d", epochs=1, max_per_speaker_class=1, seconds=4.064)


def _speakers(names, genders):
    return pd.DataFrame({"speaker": names, "gender": genders, "emotion": ["anger"] * len(names)})


def test_folds_of_each_protocol():
    df = _speakers([f"s{i:02d}" for i in range(1, 11)], ["male", "female"] * 5)
    base = RunConfig(**QUICK)
    sd = folds("speaker-dependent", df, base, seeds=(0, 1, 2))
    assert [n for n, _ in sd] == ["seed0", "seed1", "seed2"] and [c.seed for _, c in sd] == [0, 1, 2]
    si = folds("speaker-independent", df, base)
    assert len(si) == 5 and si[0][1].test_speakers == ["s01", "s02"]
    loso = folds("loso", df, base)
    assert [c.fold for _, c in loso] == sorted(df["speaker"]) and all(c.split == "loso" for _, c in loso)
    with pytest.raises(ValueError, match="protocol must be"):
        folds("random", df, base)
    with pytest.raises(ValueError, match="--test-corpus"):  # tests/test_cross_corpus.py has its one fold
        folds("cross-corpus", df, base)


def test_summary_arithmetic():
    assert mean_sd([60.0, 70.0, 80.0]) == {"mean": 70.0, "sd": 10.0, "n": 3}
    assert mean_sd([50.0])["sd"] == 0.0
    a = {"accuracy": 50.0, "uar": 50.0, "whole_database_accuracy": 90.0, "confusion": [[1, 1], [0, 2]],
         "classes": ["x", "y"]}
    b = {**a, "accuracy": 100.0, "confusion": [[3, 0], [0, 1]]}
    s = summarise([a, b])
    assert s["accuracy"]["mean"] == 75.0
    assert s["pooled_test"]["confusion"] == [[4, 1], [0, 3]]
    assert s["pooled_test"]["accuracy"] == pytest.approx(87.5)
    assert s["pooled_test"]["confusion_pct"][0] == [80.0, 20.0]


@pytest.mark.slow
def test_protocol_runs_folds_summarises_and_resumes(tmp_path):
    out = tmp_path / "si"
    summary = run_protocol("speaker-independent", RunConfig(**QUICK), out, only=["s01-s02", "s03-s04"],
                           command="test")
    assert [f["fold"] for f in summary["folds"]] == ["s01-s02", "s03-s04"]
    records = [json.loads((out / f / "record.json").read_text()) for f in ("s01-s02", "s03-s04")]
    assert [r["split"]["test_speakers"] for r in records] == [["s01", "s02"], ["s03", "s04"]]
    accs = [r["metrics"]["test"]["accuracy"] for r in records]
    assert summary["accuracy"]["mean"] == pytest.approx(np.mean(accs), abs=0.01)
    assert summary["wall_seconds"] > 0 and summary["environment"]["cpu_count"]
    assert json.loads((out / "summary.json").read_text())["folds"][0]["fold"] == "s01-s02"
    # The same command again: finished folds are kept, not retrained.
    stamp = (out / "s01-s02" / "record.json").stat().st_mtime_ns
    again = run_protocol("speaker-independent", RunConfig(**QUICK), out, only=["s01-s02"], command="test")
    assert (out / "s01-s02" / "record.json").stat().st_mtime_ns == stamp
    assert again["folds"][0]["accuracy"] == summary["folds"][0]["accuracy"]
    assert [f["fold"] for f in again["folds"]] == ["s01-s02", "s03-s04"]  # the other finished fold counts too
    assert not again["complete"] and again["accuracy"] == summary["accuracy"]
    with pytest.raises(ValueError, match="unknown fold"):
        run_protocol("speaker-independent", RunConfig(**QUICK), out, only=["s01-s09"])


def test_protocol_command_line(tmp_path, capsys):
    from sercnn.cli import main

    out = tmp_path / "loso"
    rc = main(["protocol", "loso", "--corpus", "synthetic", "--model", "svm-egemaps", "--max-per-speaker-class",
               "2", "--only", "s01", "s02", "--out", str(out)])
    printed = capsys.readouterr().out
    assert rc == 0, printed
    assert "accuracy" in printed and "mean +- sd over folds" in printed
    summary = json.loads((out / "summary.json").read_text())
    assert summary["model"] == "svm-egemaps" and len(summary["folds"]) == 2
    assert summary["command"].startswith("python -m sercnn protocol loso")
    assert main(["protocol", "loso", "--corpus", "synthetic", "--only", "nobody", "--out", str(out)]) == 1


def test_base_config_is_kept_whole():
    base = RunConfig(**QUICK)
    _, cfg = folds("loso", _speakers(["a", "b"], ["male", "female"]), base)[0]
    assert {k: v for k, v in asdict(cfg).items() if k not in ("split", "fold", "test_speakers")} == {
        k: v for k, v in asdict(base).items() if k not in ("split", "fold", "test_speakers")}


@pytest.mark.slow
def test_nested_l2_search_runs_once_per_fold_for_all_its_seeds(tmp_path):
    out = tmp_path / "l2"
    base = RunConfig(**{**QUICK, "dropout": 0.3})
    summary = run_protocol("loso", base, out, only=["s03"], model_seeds=2, search_trials=2, search_space="l2",
                           command="test")
    assert summary["nested_search_space"] == "l2"
    assert not (out / "s03" / "model-seed0" / "search").exists() and (out / "s03" / "search" / "search.json").exists()
    assert len(list((out / "s03" / "search" / "trials").iterdir())) <= 2  # seed 1 reused seed 0's trials
    found = json.loads((out / "s03" / "search" / "search.json").read_text())
    assert found["config"]["space"] == "l2" and found["config"]["base"]["model_seed"] == 0
    for k in (0, 1):
        record = json.loads((out / "s03" / f"model-seed{k}" / "record.json").read_text())
        assert record["nested_search"]["space"] == "l2" and record["split"]["model_seed"] == k
        assert record["config"]["dropout"] == 0.3  # the recipe's fields stay; only the penalties were searched
        assert record["config"]["l2_weight"] == found["best"]["params"]["l2_weight"]
        assert record["config"]["l2_activity"] == found["best"]["params"]["l2_activity"]


@pytest.mark.slow
def test_nested_search_chooses_each_folds_hyperparameters_on_its_training_speakers(tmp_path):
    out = tmp_path / "nested"
    summary = run_protocol("loso", RunConfig(**QUICK), out, only=["s03"], search_trials=2, command="test")
    fold = summary["folds"][0]
    record = json.loads((out / "s03" / "record.json").read_text())
    nested = record["nested_search"]
    assert "s03" not in nested["validation_speakers"] and nested["trials"] == 2
    assert fold["searched"] == nested["best"]["params"]
    assert record["config"]["optimizer"] == nested["best"]["params"]["optimizer"]
    assert summary["nested_search_trials"] == 2
    for trial in (out / "s03" / "search" / "trials").iterdir():
        seen = json.loads((trial / "record.json").read_text())["split"]
        assert "s03" not in seen["train_speakers"] + seen["test_speakers"]
    stamp = (out / "s03" / "record.json").stat().st_mtime_ns  # resumed: the finished fold is kept
    run_protocol("loso", RunConfig(**QUICK), out, only=["s03"], search_trials=2, command="test")
    assert (out / "s03" / "record.json").stat().st_mtime_ns == stamp
    with pytest.raises(ValueError, match="nested search"):
        from sercnn.baselines import BaselineConfig

        run_protocol("loso", BaselineConfig(corpus="synthetic", model="svm-egemaps"), out, only=["s03"],
                     search_trials=2)


@pytest.mark.slow
def test_protocol_with_model_seeds_summarises_over_seeds_and_resumes(tmp_path):
    out = tmp_path / "seeds"
    summary = run_protocol("speaker-independent", RunConfig(**QUICK), out, model_seeds=2, only=["s01-s02"],
                           command="test")
    runs = [json.loads((out / "s01-s02" / f"model-seed{k}" / "record.json").read_text()) for k in (0, 1)]
    assert [r["split"]["model_seed"] for r in runs] == [0, 1] and [r["config"]["model_seed"] for r in runs] == [0, 1]
    assert runs[0]["split"]["test_utterances"] == runs[1]["split"]["test_utterances"]
    fold = summary["folds"][0]
    accs = [r["metrics"]["test"]["accuracy"] for r in runs]
    assert fold["accuracy"] == pytest.approx(np.mean(accs)) and fold["n_seeds"] == 2
    assert fold["seed_sd"]["accuracy"] == pytest.approx(np.std(accs, ddof=1))
    assert [s["model_seed"] for s in fold["seeds"]] == [0, 1]
    probs = np.mean([np.asarray(r["test_probabilities"]) for r in runs], axis=0)
    ensemble = 100 * np.mean(probs.argmax(axis=1) == np.asarray(runs[0]["test_labels"]))
    assert fold["ensemble"]["accuracy"] == pytest.approx(ensemble)
    assert summary["n_seeds"] == 2 and summary["model_seeds"] == 2 and "ensemble" in summary
    stamp = (out / "s01-s02" / "model-seed1" / "record.json").stat().st_mtime_ns
    (out / "s01-s02" / "model-seed0" / "record.json").unlink()  # one (fold, seed) pair lost: only it reruns
    again = run_protocol("speaker-independent", RunConfig(**QUICK), out, model_seeds=2, only=["s01-s02"],
                         command="test")
    assert (out / "s01-s02" / "model-seed1" / "record.json").stat().st_mtime_ns == stamp
    assert again["folds"][0]["accuracy"] == pytest.approx(fold["accuracy"])  # same seed, same machine: same run


def test_speaker_dependent_folds_keep_their_split_seed_under_model_seeds(tmp_path):
    from sercnn.protocol import fold_jobs

    df = _speakers([f"s{i:02d}" for i in range(1, 5)], ["male", "female"] * 2)
    every = folds("speaker-dependent", df, RunConfig(**QUICK), seeds=(3, 4))
    jobs = fold_jobs(every, tmp_path, 2)
    assert [(n, c.seed, c.model_seed, d.name) for n, c, d in jobs] == [
        ("seed3", 3, 0, "model-seed0"), ("seed3", 3, 1, "model-seed1"),
        ("seed4", 4, 0, "model-seed0"), ("seed4", 4, 1, "model-seed1")]
    assert [d for _, _, d in fold_jobs(every, tmp_path, None)] == [tmp_path / "seed3", tmp_path / "seed4"]
    with pytest.raises(ValueError, match="at least 1"):
        fold_jobs(every, tmp_path, 0)


def test_rerunning_a_finished_protocol_keeps_its_summary(tmp_path):
    pytest.importorskip("opensmile")
    from sercnn.baselines import BaselineConfig

    base = BaselineConfig(corpus="synthetic", model="svm-egemaps", max_per_speaker_class=2)
    out = tmp_path / "si"
    first = run_protocol("speaker-independent", base, out, command="first")
    stamp = (out / "summary.json").stat().st_mtime_ns
    again = run_protocol("speaker-independent", base, out, command="again")
    assert (out / "summary.json").stat().st_mtime_ns == stamp
    assert again["wall_seconds"] == first["wall_seconds"] and again["command"] == "first"
    (out / "s01-s02" / "record.json").unlink()  # one fold lost: it reruns, and the summary is new
    third = run_protocol("speaker-independent", base, out, command="third")
    assert third["command"] == "third" and third["complete"]


def test_a_record_from_before_a_field_existed_is_still_a_finished_fold(tmp_path):
    """A field added to RunConfig later (trim_db, mixup, ...) is missing from older records; they ran with its
    default, so the fold is finished for that default and not for another value."""
    import dataclasses

    from records_fixture import make_record

    from sercnn import records
    from sercnn.config import RunConfig
    from sercnn.protocol import finished_fold

    cfg = dataclasses.asdict(RunConfig(epochs=2, batch_size=8, patience=20, model_seed=0))
    older = {k: v for k, v in cfg.items() if k not in ("trim_db", "mixup", "test_corpus")}
    records.write_record(tmp_path, make_record(config=older))
    assert "mixup" not in __import__("json").loads((tmp_path / records.RECORD_NAME).read_text())["config"]
    assert finished_fold(tmp_path, cfg) is not None
    assert finished_fold(tmp_path, {**cfg, "mixup": 0.2}) is None


def test_a_searched_run_does_not_take_a_plain_or_other_space_fold_as_finished(tmp_path):
    from records_fixture import make_record

    from sercnn import records
    from sercnn.config import config_defaults
    from sercnn.protocol import finished_fold

    cfg = config_defaults("network")
    # a record without a nested search is a plain run's; one searched before spaces existed searched the full space
    search = {"trials": 2, "validation_speakers": ["s01", "s02"], "objective": "accuracy", "wall_seconds": 1.0,
              "best": {"params": {}, "accuracy": 50.0}}
    for nested, accepted_by in ((None, [None]), (search, ["full"]), ({**search, "space": "full"}, ["full"]),
                                ({**search, "space": "l2"}, ["l2"])):
        records.write_record(tmp_path, make_record(config=cfg, **({"nested_search": nested} if nested else {})))
        for searched in (None, "full", "l2"):
            found = finished_fold(tmp_path, cfg, searched)
            assert (found is not None) == (searched in accepted_by), (nested, searched)


def test_baseline_folds_run_one_per_core_and_trainings_one_per_four(tmp_path, monkeypatch):
    """A linear SVM fits on one core, a training spreads over several: with no ``--parallel``, a baseline
    protocol runs a fold per core and a network protocol one per four cores (one on a 2-core machine)."""
    from sercnn import protocol
    from sercnn.baselines import BaselineConfig
    from sercnn.engines import default_parallel

    monkeypatch.setattr("os.cpu_count", lambda: 8)
    assert default_parallel(10) == 2 and default_parallel(10, cores_per_job=1) == 8
    assert default_parallel(3, cores_per_job=1) == 3 and default_parallel(10, cores_per_job=16) == 1
    asked = {}

    def fake_run_jobs(fn, jobs, *, parallel, **kwargs):
        asked[len(asked)] = parallel
        return [fn(*job) for job in jobs]

    monkeypatch.setattr(protocol, "run_jobs", fake_run_jobs)
    base = BaselineConfig(corpus="synthetic", model="svm-egemaps", max_per_speaker_class=2)
    run_protocol("speaker-independent", base, tmp_path / "svm", command="test")
    assert asked[0] == 5  # five folds, eight cores: every fold at once
    run_protocol("speaker-independent", RunConfig(**QUICK), tmp_path / "2d", only=["s01-s02"], command="test")
    assert asked[1] == 1  # one fold asked; eight cores would allow two trainings
