"""The listeners' comparison (sercnn.book.listeners): held-out LOSO predictions beside EmoDB's perception test,
on hand-written records, and on the committed LOSO records with the real perception file where it is present."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from records_fixture import make_record

from sercnn import records
from sercnn.book import listeners

ROOT = Path(__file__).resolve().parent.parent

# two speakers of two utterances each; listeners found "03b" and "08b" hardest
UTTERANCES = {"03": ["03a", "03b"], "08": ["08a", "08b"]}
MANIFEST = pd.DataFrame({"utterance": ["03a", "03b", "08a", "08b"], "speaker": ["03", "03", "08", "08"],
                         "emotion": ["anger", "sadness", "anger", "sadness"],
                         "recognition_pct": [100.0, 85.0, 95.0, 80.0]})


def _loso(folder: Path, predictions: dict[str, list[list[int]]], probabilities: bool = True,
          labels: bool = True, protocol: str = "leave-one-speaker-out") -> Path:
    """A LOSO protocol folder: per speaker, one prediction list per model seed."""
    folds = []
    for speaker, per_seed in predictions.items():
        truth = [0, 1]
        for k, pred in enumerate(per_seed):
            probs = [[0.8, 0.2] if p == 0 else [0.3, 0.7] for p in pred]
            record = make_record(run=f"model-seed{k}",
                                 split={"protocol": protocol, "model_seed": k, "test_speakers": [speaker],
                                        "test_utterances": UTTERANCES[speaker]},
                                 test_predictions=pred, test_labels=truth if labels else None,
                                 test_probabilities=probs if probabilities else None)
            records.write_record(folder / speaker / f"model-seed{k}" if len(per_seed) > 1 else folder / speaker,
                                 record)
        folds.append({"fold": speaker})
    records.write_json(folder / "summary.json", {"folds": folds})
    return folder


def test_held_out_averages_over_seeds(tmp_path):
    run = listeners.held_out(_loso(tmp_path / "net", {"03": [[0, 1], [0, 0]], "08": [[1, 1], [1, 1]]}))
    assert list(run.index) == ["03a", "03b", "08a", "08b"]
    assert run["correct"].tolist() == [1.0, 0.5, 0.0, 1.0]
    assert run["p_true"].tolist() == pytest.approx([0.8, (0.7 + 0.2) / 2, 0.3, 0.7])
    assert run["emotion"].tolist() == ["anger", "sadness", "anger", "sadness"] and set(run["n_seeds"]) == {2}


def test_held_out_without_probabilities_or_labels(tmp_path):
    folder = _loso(tmp_path / "svm", {"03": [[0, 1]], "08": [[0, 0]]}, probabilities=False, labels=False)
    with pytest.raises(ValueError, match="no test labels"):
        listeners.held_out(folder)
    run = listeners.held_out(folder, MANIFEST)
    assert run["correct"].tolist() == [1.0, 1.0, 1.0, 0.0] and run["p_true"].isna().all()


def test_only_leave_one_speaker_out_and_each_utterance_once(tmp_path):
    with pytest.raises(ValueError, match="leave-one-speaker-out"):
        listeners.held_out(_loso(tmp_path / "si", {"03": [[0, 1]]}, protocol="speaker-independent"))
    folder = _loso(tmp_path / "twice", {"03": [[0, 1]], "08": [[0, 1]]})
    summary = json.loads((folder / "summary.json").read_text())
    records.write_record(folder / "08", {**records.load_record(folder / "03"), "run": "again"})
    records.write_json(folder / "summary.json", summary)
    with pytest.raises(ValueError, match="more than once"):
        listeners.held_out(folder)


def test_per_class_per_band_and_the_correlation(tmp_path):
    net = listeners.held_out(_loso(tmp_path / "net", {"03": [[0, 1]], "08": [[0, 0]]}))
    table = listeners.per_class(MANIFEST, {"2d": net})
    assert table.loc["anger", "listeners %"] == 97.5 and table.loc["sadness", "listeners %"] == 82.5
    assert table.loc["anger", "2d recall %"] == 100.0 and table.loc["sadness", "2d recall %"] == 50.0
    assert table["utterances"].tolist() == [2, 2]
    bands = listeners.by_listener_band(MANIFEST, {"2d": net})
    assert bands["utterances"].tolist() == [2, 1, 1]
    assert bands["2d accuracy %"].tolist() == [50.0, 100.0, 100.0]
    result = listeners.per_utterance(MANIFEST, net, n_resamples=200)
    assert result["column"] == "p_true" and result["n"] == 4 and result["speakers"] == 2
    assert result["rho"] == pytest.approx(0.948683, abs=1e-6) and result["low"] <= result["rho"] <= result["high"]
    assert "Spearman rho +0.95" in listeners.describe_correlation(result)


def test_the_manifest_must_match_the_record(tmp_path):
    net = listeners.held_out(_loso(tmp_path / "net", {"03": [[0, 1]], "08": [[0, 0]]}))
    with pytest.raises(ValueError, match="not in the manifest"):
        listeners.per_class(MANIFEST.iloc[:3], {"2d": net})
    swapped = MANIFEST.assign(emotion=MANIFEST["emotion"][::-1].to_numpy())
    with pytest.raises(ValueError, match="class differs"):
        listeners.per_class(swapped, {"2d": net})
    with pytest.raises(ValueError, match="erkennung.txt"):
        listeners.per_class(MANIFEST.assign(recognition_pct=np.nan), {"2d": net})


def test_the_committed_loso_records_beside_the_real_perception_test():
    data = Path(os.environ.get("SERCNN_DATA", ROOT.parent / "shared" / "data")) / "emodb"
    if not (data / "erkennung.txt").exists():
        pytest.skip("the real EmoDB (with erkennung.txt) is not available: set SERCNN_DATA")
    from sercnn.datasets import load_emodb

    manifest = load_emodb(data)
    runs = {m: listeners.held_out(ROOT / "results" / "protocols" / f"emodb-{m}-loso", manifest)
            for m in ("2d", "svm-compare")}
    assert all(len(r) == 535 for r in runs.values())
    table = listeners.per_class(manifest, runs)
    assert table["utterances"].sum() == 535 and (table["listeners %"] >= 80).all()
    assert listeners.per_utterance(manifest, runs["svm-compare"], n_resamples=100)["n"] == 535


def test_the_loso_folders_the_chapter_reads(tmp_path):
    for sub, complete in (("protocols/emodb-2d-loso", True), ("protocols/emodb-svm-compare-loso", True),
                          ("ladder/loso/dropout", False), ("ladder/loso/svm-compare-speaker", True),
                          ("ladder/loso/svm-compare-train", True), ("ladder/loso/svm-egemaps-train", True)):
        (tmp_path / sub).mkdir(parents=True)
        records.write_json(tmp_path / sub / "summary.json", {"complete": complete, "folds": [{"fold": "03"}]})
    found = listeners.loso_folders(tmp_path)
    # the training-fit ComParE run of the ladder is chapter 7's configuration: read once, from chapter 7's folder
    assert list(found) == ["2d protocol defaults", "svm-compare", "svm-compare speaker-normalised", "svm-egemaps"]
    assert found["svm-compare"] == tmp_path / "protocols" / "emodb-svm-compare-loso"
    assert found["svm-egemaps"] == tmp_path / "ladder" / "loso" / "svm-egemaps-train"
    assert found["svm-compare speaker-normalised"] == tmp_path / "ladder" / "loso" / "svm-compare-speaker"
    # the rerun of Table 2's network with 3 model seeds, once finished, stands in for its one-seed run
    (tmp_path / "protocols" / "emodb-2d-loso-seeds3").mkdir()
    records.write_json(tmp_path / "protocols" / "emodb-2d-loso-seeds3" / "summary.json",
                       {"complete": True, "folds": [{"fold": "03"}]})
    assert list(listeners.loso_folders(tmp_path))[0] == "2d protocol defaults, 3 seeds"


def test_the_gap_sentence():
    table = pd.DataFrame({"utterances": [2, 2], "listeners %": [97.5, 82.5], "2d recall %": [100.0, 50.0],
                          "svm recall %": [90.0, 60.0]}, index=pd.Index(["anger", "sadness"], name="emotion"))
    assert listeners.gaps(table).endswith("sadness +22.5 (svm); anger -2.5 (2d).")
