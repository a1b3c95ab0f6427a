"""Cross-corpus runs (issue 12): two corpora as one manifest on their shared classes, a split that puts every
speaker of one corpus in training and every speaker of the other in test, and the protocol's one fold."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sercnn import splits
from sercnn.config import BaselineConfig, RunConfig
from sercnn.protocol import folds


def _data() -> Path:
    data = os.environ.get("SERCNN_DATA")
    if not data or not (Path(data) / "emodb" / "wav").is_dir() or not (Path(data) / "ravdess").is_dir():
        pytest.skip("real EmoDB and RAVDESS not available: set SERCNN_DATA to a folder holding emodb/ and ravdess/")
    return Path(data)


def _manifest() -> pd.DataFrame:
    rows = [("a", "1", "anger"), ("a", "1", "sadness"), ("a", "2", "anger"), ("b", "1", "anger"), ("b", "3", "sadness")]
    df = pd.DataFrame(rows, columns=["corpus", "speaker", "emotion"])
    df["speaker"] = df["corpus"] + ":" + df["speaker"]
    return df


def test_the_split_puts_each_corpus_on_one_side():
    train, test = splits.cross_corpus(_manifest(), "a", "b")
    assert train.tolist() == [0, 1, 2] and test.tolist() == [3, 4]
    df = _manifest()
    assert not set(df["speaker"].iloc[train]) & set(df["speaker"].iloc[test])


def test_the_split_names_what_is_missing():
    with pytest.raises(ValueError, match="no utterance of corpus 'c'"):
        splits.cross_corpus(_manifest(), "a", "c")
    with pytest.raises(ValueError, match="sercnn.datasets.cross_corpus"):
        splits.cross_corpus(_manifest().drop(columns="corpus"), "a", "b")


def test_the_configuration_asks_for_both_corpora():
    cfg = RunConfig(corpus="emodb", split="cross-corpus", test_corpus="ravdess")
    assert cfg.test_corpus == "ravdess"
    with pytest.raises(ValueError, match="test_corpus: a cross-corpus run needs"):
        RunConfig(split="cross-corpus")
    with pytest.raises(ValueError, match="trains on one corpus .* and tests on another"):
        BaselineConfig(corpus="emodb", split="cross-corpus", test_corpus="emodb")
    with pytest.raises(ValueError, match="applies to the split cross-corpus only"):
        RunConfig(test_corpus="ravdess")


def test_the_protocol_has_one_fold_named_by_both_corpora():
    base = BaselineConfig(corpus="emodb", split="cross-corpus", test_corpus="ravdess")
    [(name, cfg)] = folds("cross-corpus", pd.DataFrame(), base)
    assert name == "emodb-to-ravdess" and cfg.split == "cross-corpus" and cfg.test_corpus == "ravdess"


def test_a_missing_test_corpus_is_named_by_its_option():
    done = subprocess.run([sys.executable, "-m", "sercnn", "train", "--split", "cross-corpus", "--corpus", "emodb"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode != 0 and "--test-corpus" in done.stderr


def test_emodb_and_ravdess_share_six_classes():
    from sercnn.datasets import cross_corpus

    data = _data()
    df = cross_corpus("emodb", "ravdess", data / "emodb")
    info = df.attrs["cross_corpus"]
    assert info["classes"] == ["anger", "disgust", "fear", "happiness", "neutral", "sadness"]
    assert info["left_out"]["emodb"]["classes"] == ["boredom"] and info["left_out"]["emodb"]["utterances"] == 81
    assert info["left_out"]["ravdess"]["classes"] == [] and info["n_utterances"] == {"emodb": 454, "ravdess": 576}
    assert df.attrs["corpus"] == "emodb-to-ravdess" and len(df) == 454 + 576
    assert df["speaker"].str.startswith(("emodb:", "ravdess:")).all() and df["speaker"].nunique() == 10 + 24
    assert list(df["emotion"].cat.categories) == info["classes"]


@pytest.mark.slow
def test_a_cross_corpus_baseline_protocol_from_the_command_line(tmp_path):
    data = _data()
    out = tmp_path / "x"
    env = {**os.environ, "SERCNN_DATA": str(data)}
    done = subprocess.run([sys.executable, "-m", "sercnn", "protocol", "cross-corpus", "--train", "emodb", "--test",
                           "ravdess", "--model", "svm-egemaps", "--max-per-speaker-class", "1", "--no-progress",
                           "--out", str(out)], capture_output=True, text=True, timeout=1200, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    from sercnn import records

    record = records.load_record(out / "emodb-to-ravdess" / "record.json")
    assert record["config"]["test_corpus"] == "ravdess" and record["split"]["protocol"] == "cross-corpus"
    assert all(s.startswith("emodb:") for s in record["split"]["train_speakers"])
    assert all(s.startswith("ravdess:") for s in record["split"]["test_speakers"])
    assert record["corpus"]["cross_corpus"]["left_out"]["emodb"]["classes"] == ["boredom"]
    assert record["corpus"]["classes"] == record["corpus"]["cross_corpus"]["classes"]
    summary = json.loads((out / "summary.json").read_text())
    assert [f["fold"] for f in summary["folds"]] == ["emodb-to-ravdess"]
    assert np.isfinite(summary["accuracy"]["mean"])


def test_speakers_of_utterance_names():
    from sercnn.datasets import speaker_of

    assert speaker_of("emodb", "03a01Fa") == "03" and speaker_of("ravdess", "03-01-05-01-02-01-12") == "12"
    with pytest.raises(ValueError, match="no rule"):
        speaker_of("iemocap", "Ses01F_impro01_F000")


def _cross_record(model: str, predictions: list[int]):
    from records_fixture import make_record, scores

    from sercnn.evaluation import metrics

    labels = [0, 1, 0, 1]
    test = metrics(labels, predictions, ["anger", "sadness"])
    return make_record("baseline" if model.startswith("svm") else "network",
                       config={"model": model, "split": "cross-corpus", "test_corpus": "emodb"},
                       split={"protocol": "cross-corpus", "test_utterances": ["03a", "03b", "08a", "08b"]},
                       metrics={"test": test} if model.startswith("svm") else {"test": test, "validation": scores(n=2)},
                       corpus={"cross_corpus": {"left_out": {"ravdess": {"classes": ["calm"], "utterances": 1}}}},
                       test_labels=labels, test_predictions=predictions)


def test_the_tables_of_cross_corpus_runs():
    from sercnn.book import results

    runs = {("ravdess-to-emodb", "svm-egemaps-speaker"): _cross_record("svm-egemaps", [0, 1, 0, 0]),
            ("ravdess-to-emodb", "svm-egemaps-train"): _cross_record("svm-egemaps", [0, 0, 0, 0])}
    table = results.cross_corpus_table(runs)
    row = table.loc[("ravdess → emodb", "svm-egemaps-speaker")]
    assert row["accuracy %"] == 75.0 and row["recall anger"] == 100.0 and row["recall sadness"] == 50.0
    assert row["chance %"] == 50.0 and row["left out"] == "ravdess: calm"
    travel = results.travelling_emotions(table)  # the training-fit row is not counted
    assert travel.loc["ravdess → emodb", "travels"] == "anger"
    assert travel.loc["ravdess → emodb", "does not travel"] == "sadness"
    a, b = runs.values()
    assert results.per_speaker_accuracy(a).to_dict() == {"03": 100.0, "08": 50.0}
    paired = results.cross_corpus_compare(a, b)
    assert paired["mean"] == pytest.approx(25.0) and paired["n"] == 2 and paired["unit"] == "test speakers"
    b2 = {**b, "split": {**b["split"], "test_utterances": ["x", "y", "z", "w"]}}
    with pytest.raises(ValueError, match="same utterances"):
        results.cross_corpus_compare(a, b2)


def test_a_run_with_model_seeds_is_averaged_over_its_seeds():
    """Recall per class and accuracy per test speaker are means over every seed, not the first seed's."""
    from sercnn.book import results

    s0, s1 = _cross_record("2d", [0, 1, 0, 1]), _cross_record("2d", [1, 1, 0, 0])
    net = {**s0, "seed_records": [s0, s1], "seeds": {"n": 2, "accuracy": 75.0, "uar": 75.0, "ensemble": None}}
    base = _cross_record("svm-egemaps", [0, 0, 0, 0])
    table = results.cross_corpus_table({("ravdess-to-emodb", "dropout"): net})
    row = table.loc[("ravdess → emodb", "dropout")]
    assert row["accuracy %"] == 75.0 and row["recall anger"] == 75.0 and row["recall sadness"] == 75.0
    assert results.per_speaker_accuracy(net).to_dict() == {"03": 75.0, "08": 75.0}
    assert results.cross_corpus_compare(net, base)["mean"] == pytest.approx(25.0)


@pytest.mark.slow
def test_a_network_trains_across_corpora(tmp_path):
    """The 2D network's path (features, speaker normalisation, validation on training speakers) on the joint
    manifest: a two-epoch run on a small subset of both corpora."""
    data = _data()
    from sercnn.experiment import run
    from sercnn.recipes import TIME_POOLS

    cfg = RunConfig(corpus="emodb", test_corpus="ravdess", split="cross-corpus", max_per_speaker_class=1, epochs=2,
                    start_from_epoch=0, seconds=2.0, pools=TIME_POOLS, normalise="speaker", val_by="speaker",
                    val_size=0.25,
                    data_root=str(data / "emodb"))
    record = run(cfg, tmp_path / "run", progress=False)
    assert record["split"]["protocol"] == "cross-corpus" and record["corpus"]["name"] == "emodb-to-ravdess"
    assert {s.split(":")[0] for s in record["split"]["train_speakers"]} == {"emodb"}
    assert {s.split(":")[0] for s in record["split"]["test_speakers"]} == {"ravdess"}
    assert len(record["test_probabilities"]) == record["split"]["n_test"] == 24 * 6


def test_the_cross_corpus_target_reads_the_records(tmp_path):
    """``targets_beyond`` pairs the pre-registered rung (its seeds averaged) with speaker-normalised ComParE,
    test speaker by test speaker, per direction."""
    from sercnn import records
    from sercnn.book import results
    from sercnn.recipes import PREREGISTERED

    folder = tmp_path / "cross-corpus" / "ravdess-to-emodb"
    fold = "ravdess-to-emodb"
    for k, pred in enumerate(([0, 1, 0, 1], [0, 1, 1, 1])):
        records.write_record(folder / PREREGISTERED / fold / f"model-seed{k}",
                             {**_cross_record("2d", pred), "run": f"model-seed{k}"})
    records.write_record(folder / "svm-compare-speaker" / fold, _cross_record("svm-compare", [0, 0, 0, 0]))
    for name, acc in ((PREREGISTERED, 87.5), ("svm-compare-speaker", 50.0)):
        records.write_json(folder / name / "summary.json",
                           {"complete": True, "folds": [{"fold": fold}], "accuracy": {"mean": acc},
                            "uar": {"mean": acc}})
    row = results.targets_beyond(tmp_path).loc[
        "2D network at least level with speaker-normalised ComParE + SVM across corpora, ravdess → emodb"]
    assert "(2 seeds): 87.50 % against 50.00 %" in row["measured"]
    assert row["reached"] in ("yes, above", "yes, level (within noise)")
    trimmed = PREREGISTERED + results.TRIMMED
    records.write_record(folder / trimmed / fold, _cross_record("2d", [0, 0, 0, 0]))
    records.write_json(folder / trimmed / "summary.json", {"complete": True, "folds": [{"fold": fold}],
                                                          "accuracy": {"mean": 50.0}, "uar": {"mean": 50.0}})
    rows = results.targets_beyond(tmp_path)
    assert rows.loc[row.name + ", each file cut to its sound first", "measured"].startswith(f"{trimmed} (1 seed)")


def test_a_run_of_several_seeds_has_one_pooled_confusion():
    from sercnn.book import results

    s0, s1 = _cross_record("2d", [0, 1, 0, 1]), _cross_record("2d", [1, 1, 0, 0])
    pooled = results.pooled_seed_metrics({**s0, "seed_records": [s0, s1]})
    assert pooled["confusion"] == [[3, 1], [1, 3]] and pooled["accuracy"] == 75.0


def test_the_within_corpus_table(tmp_path):
    """RAVDESS LOSO: one row per finished protocol folder, each paired fold by fold with the baseline."""
    from records_fixture import make_record

    from sercnn import records
    from sercnn.book import results

    folder = tmp_path / results.RAVDESS_LOSO
    for name, accs in (("svm-compare-speaker", (50.0, 60.0, 70.0)), ("dropout-trim40", (60.0, 65.0, 90.0)),
                       ("svm-egemaps-speaker", (55.0, 70.0, 80.0)), ("unfinished", (1.0, 1.0, 1.0))):
        folds = []
        for fold, acc in zip(("01", "02", "03"), accs):
            baseline = name.startswith("svm")
            records.write_record(folder / name / fold, make_record(
                "baseline" if baseline else "network",
                split={"protocol": "leave-one-speaker-out", "test_speakers": [fold],
                       "test_utterances": [f"{fold}-a", f"{fold}-b"]},
                metrics={"test": {"accuracy": acc, "uar": acc}},
                **({"selection": {"c": 1e-3 if fold == "02" else 1e-4}} if baseline else {})))
            folds.append({"fold": fold, "accuracy": acc, "uar": acc})
        records.write_json(folder / name / "summary.json", {
            "complete": name != "unfinished", "folds": folds,
            "accuracy": {"mean": sum(accs) / 3, "sd": 1.0, "n": 3}, "uar": {"mean": sum(accs) / 3, "sd": 1.0, "n": 3}})
    table = results.within_corpus_table(folder)
    assert list(table.index) == ["dropout-trim40", "svm-compare-speaker", "svm-egemaps-speaker"]
    assert table.loc["dropout-trim40", "minus svm-compare-speaker"].startswith("+11.7")
    # every finished baseline gets a column; a baseline is not paired with itself
    assert table.loc["dropout-trim40", "minus svm-egemaps-speaker"].startswith("+3.3")
    assert table.loc["dropout-trim40", "minus svm-egemaps-speaker"].endswith("within noise")
    assert pd.isna(table.loc["svm-egemaps-speaker", "minus svm-egemaps-speaker"])
    # each baseline's choice of C over its folds (the inner cross-validation's), none for a network
    assert table.loc["svm-compare-speaker", "C chosen (folds)"] == "1e-04 × 2, 1e-03 × 1"
    assert pd.isna(table.loc["dropout-trim40", "C chosen (folds)"])
    # only the baselines that are there
    (folder / "svm-compare-speaker" / "summary.json").unlink()
    assert "minus svm-compare-speaker" not in results.within_corpus_table(folder).columns
    assert table.loc["dropout-trim40", "folds"] == 3
    assert "ensemble minus svm-egemaps-speaker" not in table.columns  # one seed: no ensemble to pair
    # a configuration run with seeds: the ensemble of its seeds is paired with each baseline too
    summary = json.loads((folder / "dropout-trim40" / "summary.json").read_text())
    for f in summary["folds"]:
        f["ensemble"] = {"accuracy": f["accuracy"] + 5.0, "uar": f["uar"] + 5.0}
    summary |= {"n_seeds": 3, "ensemble": {"accuracy": {"mean": 76.7, "sd": 1.0, "n": 3}}}
    records.write_json(folder / "dropout-trim40" / "summary.json", summary)
    seeded = results.within_corpus_table(folder)
    assert seeded.loc["dropout-trim40", "ensemble minus svm-egemaps-speaker"].startswith("+8.3")
    assert pd.isna(seeded.loc["svm-egemaps-speaker", "ensemble minus svm-egemaps-speaker"])
