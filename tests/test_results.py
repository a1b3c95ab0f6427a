"""sercnn.book.results and the committed records behind chapters 6-7: every summary agrees with its fold records,
the tables print what the records hold, and the paper's tables are what the chapter says they are."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sercnn import paper
from sercnn.book import results
from sercnn.protocol import mean_sd, summarise

RESULTS = Path(__file__).parents[1] / "results"
EMODB_SIZES = dict(zip(paper.CLASSES["emodb"], (127, 81, 46, 69, 71, 79, 62)))
PROTOCOLS = results.load_protocols(RESULTS)
SEARCHES = sorted((RESULTS / "search").glob("*/search.json"))


def test_paper_confusion_tables_count_whole_classes():
    for table in (paper.TABLE_3, paper.TABLE_5):
        for net in ("1d", "2d"):
            evidence = results.class_size_evidence(table[net], EMODB_SIZES)
            assert evidence["every cell k / size"].all()
            assert not evidence["every cell k / test size"].all()
            assert results.weighted_average(table[net], EMODB_SIZES) == pytest.approx(table[net]["average"], abs=0.01)
    for table in (paper.TABLE_3, paper.TABLE_4, paper.TABLE_5, paper.TABLE_6):
        for net in ("1d", "2d"):
            assert np.allclose(np.sum(table[net]["confusion_pct"], axis=1), 100, atol=0.05)


@pytest.mark.parametrize("key", sorted(PROTOCOLS), ids=lambda k: "-".join(k))
def test_protocol_summaries_agree_with_their_fold_records(key):
    summary = PROTOCOLS[key]
    folds = results.fold_records(RESULTS, summary)
    assert [r["split"]["test_speakers"] for r in folds] == [f["test_speakers"] for f in summary["folds"]]
    accs = [r["metrics"]["test"]["accuracy"] for r in folds]
    assert summary["accuracy"] == mean_sd(accs)
    assert summary["uar"] == mean_sd([r["metrics"]["test"]["uar"] for r in folds])
    assert summarise(summary["folds"])["pooled_test"] == summary["pooled_test"]
    for r in folds:  # held out: no test speaker among the training speakers (SD: no test utterance trained on)
        if summary["protocol"] != "speaker-dependent":
            assert not set(r["split"]["test_speakers"]) & set(r["split"]["train_speakers"])
        assert r["config"]["model"] == summary["model"] and r["corpus"]["name"] == summary["corpus"]
    if summary["protocol"] == "speaker-independent" and summary["corpus"] == "emodb":
        assert summary["pooled_test"]["n"] == 535  # every utterance tested exactly once
    assert summary["wall_seconds"] > 0 and summary["environment"]["cpu"]


def test_tables_print_the_records():
    if not PROTOCOLS:
        pytest.skip("no protocol records committed")
    t7 = results.table_7(PROTOCOLS)
    t8 = results.table_8(PROTOCOLS)
    for (corpus, model, protocol), s in PROTOCOLS.items():
        cell = f"{s['accuracy']['mean']:.2f} ± {s['accuracy']['sd']:.2f}"
        if corpus == "emodb" and model in ("1d", "2d") and protocol != "loso":
            assert t7.loc[(results.PROTOCOL_NAMES[protocol], results.MODEL_NAMES[model]),
                          "book: held-out test (mean ± sd)"] == cell
        if corpus == "emodb":
            column = {"speaker-dependent": "speaker-dependent", "speaker-independent": "speaker-independent",
                      "loso": "LOSO"}[protocol]
            assert t8.loc[f"this book: {results.MODEL_NAMES[model]}", column] == cell
    assert t8.loc["Zhao, Mao & Chen (2D CNN LSTM)", "speaker-independent"] == 95.89


@pytest.mark.parametrize("path", SEARCHES, ids=lambda p: p.parent.name)
def test_committed_searches_agree_with_their_trial_records(path):
    from sercnn.search import trial_id

    summary = json.loads(path.read_text())
    assert summary["finished"] and len(summary["trials"]) == summary["config"]["trials"]
    test_speakers = set(summary["config"]["base"]["test_speakers"])
    for t in summary["trials"]:
        record = json.loads((path.parent / "trials" / t["trial"] / "record.json").read_text())
        assert t["trial"] == trial_id(t["params"])
        assert record["metrics"]["test"]["accuracy"] == pytest.approx(t["accuracy"])
        seen = set(record["split"]["train_speakers"]) | set(record["split"]["test_speakers"])
        assert not seen & test_speakers  # the outer test speakers never entered the search
    assert summary["best"]["accuracy"] == max(t["accuracy"] for t in summary["trials"])


def test_iemocap_commands_name_every_table():
    text = results.iemocap_commands()
    assert "--corpus iemocap" in text and "speaker-dependent" in text and "speaker-independent" in text
    assert "svm-compare" in text


def test_verdict_says_who_is_ahead_from_the_records():
    def summary(accs):
        return {"folds": [{"fold": str(i), "accuracy": a} for i, a in enumerate(accs)],
                "accuracy": mean_sd(accs)}

    protocols = {("emodb", "2d", "loso"): summary([60.0, 80.0]),
                 ("emodb", "svm-compare", "loso"): summary([70.0, 75.0])}
    text = results.verdict(protocols, "emodb", "loso")
    assert "ComParE + linear SVM is ahead by 2.50 points" in text and "wins 1 of 2 folds" in text
    assert "not both been run" in results.verdict(protocols, "emodb", "speaker-dependent")


def test_targets_table():
    def summary(acc):
        return {"folds": [], "accuracy": {"mean": acc, "sd": 0.0, "n": 1}}

    protocols = {("emodb", "2d", "speaker-independent"): summary(85.0),
                 ("emodb", "1d", "speaker-dependent"): summary(50.0),
                 ("emodb", "2d", "loso"): summary(70.0), ("emodb", "svm-compare", "loso"): summary(74.0)}
    t = results.targets(protocols)
    assert t["reached"].tolist() == ["yes", "not run", "not run", "no", "no"]
    assert t.iloc[0]["figure %"] == 82.42 and t.iloc[-1]["figure %"] == 74.0


def test_nested_against_defaults():
    defaults = {"folds": [{"fold": "a", "accuracy": 60.0}, {"fold": "b", "accuracy": 70.0}]}
    nested = {"folds": [{"fold": "a", "accuracy": 65.0, "searched": {"optimizer": "sgd", "learning_rate": 0.0123}},
                        {"fold": "b", "accuracy": 68.0, "searched": None}]}
    t = results.nested_against_defaults(defaults, nested)
    assert t.loc["a", "defaults %"] == 60.0 and t.loc["a", "nested search %"] == 65.0
    assert t.loc["a", "chosen"] == "optimizer sgd, learning_rate 0.0123" and t.loc["b", "chosen"] == ""


def test_runs_by_fold_lines_up_the_same_folds():
    def rec(spk, acc):
        return {"split": {"test_speakers": spk}, "metrics": {"test": {"accuracy": acc}}}

    t = results.runs_by_fold({"a": [rec(["03", "08"], 60.0), rec(["09", "10"], 70.0)],
                              "b": [rec(["09", "10"], 72.0), rec(["03", "08"], 64.0)]})
    assert t.loc["03-08", "b"] == 64.0 and t.loc["09-10", "a"] == 70.0
    assert t.loc["mean ± sd", "a"] == "65.00 ± 7.07"
