"""Metrics in the form of Tables 3-7, and the arithmetic behind 'whole-database' tables."""

from __future__ import annotations

import numpy as np
import pytest

from sercnn.evaluation import class_size_multiples, confusion_frame, metrics


def test_metrics_by_hand():
    y_true = np.array([0, 0, 0, 0, 1, 1, 2, 2, 2, 2])
    y_pred = np.array([0, 0, 0, 1, 1, 0, 2, 2, 2, 2])
    m = metrics(y_true, y_pred, ["a", "b", "c"])
    assert m["accuracy"] == pytest.approx(80.0)
    assert m["per_class_recall"] == {"a": 75.0, "b": 50.0, "c": 100.0}
    assert m["uar"] == pytest.approx(75.0)
    assert m["confusion"] == [[3, 1, 0], [1, 1, 0], [0, 0, 4]]
    assert m["confusion_pct"][0] == [75.0, 25.0, 0.0]
    frame = confusion_frame(m)
    assert list(frame.index) == ["A", "B", "C"]
    np.testing.assert_allclose(frame.sum(axis=1), 100.0)


def test_absent_class_is_not_counted_in_uar():
    m = metrics(np.array([0, 0, 1]), np.array([0, 1, 1]), ["a", "b", "c"])
    assert m["per_class_recall"]["c"] is None
    assert m["uar"] == pytest.approx(75.0)


# Table 3 (speaker-dependent EmoDB, log-mel): each cell is k / (class size in the whole corpus).
TABLE_3_LOGMEL_DIAGONAL = {"anger": (99.21, 127), "boredom": (95.06, 81), "disgust": (95.65, 46),
                           "fear": (92.75, 69), "happiness": (88.73, 71), "neutral": (93.67, 79),
                           "sadness": (100.0, 62)}


def test_table_3_cells_are_whole_corpus_counts():
    for name, (pct, size) in TABLE_3_LOGMEL_DIAGONAL.items():
        assert class_size_multiples(pct, size) is not None, name
    # ... while a 20 % test set (about 25 angry utterances) cannot give 99.21 %.
    assert class_size_multiples(99.21, 25) is None


def test_records_round_trip_and_summary(tmp_path):
    from records_fixture import make_record

    from sercnn.records import load_records, summary_table, write_record

    record = make_record(split={"test_speakers": ["03", "08"]},
                         training={"best_epoch": 3, "epochs_run": 11, "train_seconds": 120},
                         metrics={"test": {"accuracy": 50.0, "uar": 40.0}, "whole_database": {"accuracy": 80.0}})
    write_record(tmp_path / "group-a" / "r1", record)
    (tmp_path / "noise.json").write_text("[1, 2]")
    runs = load_records(tmp_path)
    assert [r["run"] for r in runs] == ["r1"] and runs[0]["_group"] == "group-a"
    table = summary_table(runs)
    assert table.loc[0, "test accuracy"] == 50.0 and table.loc[0, "test speakers"] == "03 08"
    assert table.loc[0, "training minutes"] == 2.0
