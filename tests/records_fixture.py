"""A small valid run record for tests that write records by hand (``sercnn.records`` validates every record it
writes): :func:`make_record` gives one of either kind, with any section overridden."""

from __future__ import annotations

import copy

from sercnn import records

CLASSES = ["anger", "sadness"]


def scores(accuracy: float = 50.0, uar: float = 50.0, n: int = 4, classes=CLASSES) -> dict:
    """A metrics entry (:func:`sercnn.evaluation.metrics`) with the given figures."""
    half = n // 2
    return {"n": n, "accuracy": accuracy, "uar": uar, "per_class_recall": {c: 50.0 for c in classes},
            "support": {c: half for c in classes}, "confusion": [[1, half - 1], [half - 1, 1]],
            "confusion_pct": [[50.0, 50.0], [50.0, 50.0]], "classes": list(classes)}


def _network_sections() -> dict:
    return {
        "config": {"epochs": 2, "batch_size": 8, "optimizer": "adam", "learning_rate": 1e-3, "patience": 20,
                   "selection": "held-out"},
        "split": {"n_fit": 6, "n_validation": 2, "validation_speakers": ["01", "02"],
                  "validation_utterances": ["01a", "02a"]},
        "model": {"layers": []},
        "metrics": {"validation": scores(n=2)},
        "timings": {"training_s": 1.0, "evaluation_s": 0.1},
        "training": {"best_epoch": 1, "best_val_accuracy": 50.0, "epochs_run": 2, "stopped_early": False,
                     "stop_reason": "reached the epoch limit", "train_seconds": 60.0, "train_samples_per_second": 1.0,
                     "resumed_at_epochs": []},
        "history": {"loss": [1.0, 0.9], "accuracy": [0.5, 0.5], "val_loss": [1.0, 1.0], "val_accuracy": [0.5, 0.5],
                    "epoch_seconds": [30.0, 30.0]},
        "paper": {"protocol": "speaker-independent", "table_7a_average": None, "table_7b_validation": None},
        "standardizer": {},
        "test_probabilities": [[0.9, 0.1], [0.1, 0.9], [0.9, 0.1], [0.1, 0.9]],
    }


def _baseline_sections() -> dict:
    return {"config": {"model": "svm-compare", "c_grid": [0.01]},
            "selection": {"c": 0.01, "inner_scores": {"0.01": 50.0}},
            "timings": {"fit_s": 60.0}, "test_scores": [[1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [-1.0, 1.0]]}


def merge(base: dict, overrides: dict) -> dict:
    """``base`` with ``overrides`` merged in: dicts key by key (recursively), anything else replaced."""
    out = copy.deepcopy(base)
    for key, value in overrides.items():
        out[key] = merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def make_record(kind: str = "network", **sections) -> dict:
    """A valid run record of ``kind`` (network or baseline) on a two-class toy corpus; each keyword merges into
    (a dict) or replaces (anything else) that section."""
    record = {
        "schema": records.SCHEMA, "kind": kind, "run": "r1", "created": "2026-01-01T00:00:00+00:00",
        "finished": "2026-01-01T00:01:00+00:00", "command": "python -m sercnn train", "resumes": [],
        "git": {"commit": "0123456789abcdef", "dirty": False},
        "config": {"corpus": "emodb", "data_root": None, "model": "2d", "split": "speaker-independent",
                   "test_speakers": None, "fold": None, "seed": 0, "max_per_speaker_class": None},
        "corpus": {"name": "emodb", "requested": "emodb", "description": "toy", "source": None, "root": None,
                   "subset": None, "n_utterances": 12, "n_speakers": 4, "classes": CLASSES,
                   "class_sizes": {"anger": 6, "sadness": 6}, "skipped": [], "fingerprint": "0" * 64},
        "features": {"settings": {"kind": "logmel"}, "shape": [128, 251], "extraction": "toy", "conversions": {},
                     "standardizer": "per mel band", "normalise": "train", "normalise_note": "toy"},
        "split": {"protocol": "speaker-independent", "seed": 0, "model_seed": 0, "n_train": 8, "n_test": 4,
                  "train_speakers": ["01", "02"], "test_speakers": ["03", "08"],
                  "test_utterances": ["03a", "03b", "08a", "08b"]},
        "selection": {"mode": "held-out", "monitored": "toy"},
        "model": {"name": "toy", "parameters": 10},
        "environment": {"platform": "test", "python": "3", "cpu": "test CPU", "cpu_count": 2, "memory_gib": 1.0,
                        "keras_backend": "tensorflow", "accelerators": ["none"], "versions": {}},
        "timings": {"features_s": 1.0, "total_s": 2.0},
        "metrics": {"test": scores(), "whole_database": {**scores(n=12), "note": "toy"}},
        "test_predictions": [0, 1, 0, 1], "test_labels": [0, 1, 1, 0],
    }
    record = merge(record, _network_sections() if kind == "network" else _baseline_sections())
    return merge(record, sections)
