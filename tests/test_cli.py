"""The command line end to end on the synthetic corpus: train, the run record, evaluate, interrupt, resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from sercnn import records

pytestmark = pytest.mark.slow


def _env(tmp_path):
    return {**os.environ, "SERCNN_DATA": str(tmp_path / "data"), "SERCNN_CACHE": str(tmp_path / "cache"),
            "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONUNBUFFERED": "1"}


def _sercnn(tmp_path, *args, timeout=600):
    return subprocess.run([sys.executable, "-m", "sercnn", *args], cwd=tmp_path, env=_env(tmp_path),
                          capture_output=True, text=True, timeout=timeout)


def test_help_explains_every_option():
    done = subprocess.run([sys.executable, "-m", "sercnn", "train", "--help"], capture_output=True, text=True)
    assert done.returncode == 0
    for option in ("--corpus", "--model", "--split", "--selection", "--seed", "--epochs", "--patience",
                   "--bn-momentum", "--l2-weight", "--resume", "--test-speakers", "--fold"):
        assert option in done.stdout
    assert "held-out" in done.stdout and "paper" in done.stdout


def test_train_then_evaluate(tmp_path):
    done = _sercnn(tmp_path, "train", "--corpus", "synthetic", "--model", "2d", "--split", "speaker-independent",
                   "--epochs", "2", "--max-per-speaker-class", "1", "--run-name", "quick", "--no-progress")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "corpus: synthetic" in done.stdout and "test accuracy" in done.stdout
    path = tmp_path / "runs" / "quick" / "record.json"
    record = json.loads(path.read_text())
    records.validate(record, path)  # the record schema, sercnn/record.schema.json
    assert record["schema"] == records.SCHEMA and record["kind"] == "network"
    assert record["corpus"]["name"] == "synthetic" and "not speech" in record["corpus"]["source"]
    assert record["selection"]["mode"] == "held-out"
    split = record["split"]
    assert not set(split["train_speakers"]) & set(split["test_speakers"])
    assert set(split["validation_speakers"]) <= set(split["train_speakers"])
    assert len(record["history"]["val_accuracy"]) == 2
    assert record["command"].startswith("python -m sercnn train")
    assert record["environment"]["keras_backend"] == os.environ.get("KERAS_BACKEND", "tensorflow")
    assert record["git"]["commit"] and record["resumes"] == []
    assert 0 <= record["metrics"]["test"]["accuracy"] <= 100

    done = _sercnn(tmp_path, "evaluate", "runs/quick", "--no-progress")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "matches the run record" in done.stdout

    done = _sercnn(tmp_path, "summary", "runs")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "quick" in done.stdout and "synthetic" in done.stdout

    done = _sercnn(tmp_path, "train", "--corpus", "synthetic", "--run-name", "quick")
    assert done.returncode == 2 and "--resume" in done.stderr


def test_interrupted_run_resumes(tmp_path):
    # 20 epochs of a few utterances: the interrupt lands while the run is training, however fast the machine
    args = [sys.executable, "-m", "sercnn", "train", "--corpus", "synthetic", "--model", "2d", "--epochs", "20",
            "--patience", "50", "--max-per-speaker-class", "1", "--run-name", "cut", "--no-progress"]
    # Ctrl-C as in a terminal: the child starts with SIGINT's default action even where this test process
    # inherited it ignored (a test run started in the background of a non-interactive shell)
    proc = subprocess.Popen(args, cwd=tmp_path, env=_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    state = tmp_path / "runs" / "cut" / "checkpoint" / "state.json"
    deadline = time.time() + 300
    while time.time() < deadline and not (state.exists() and json.loads(state.read_text())["epochs_done"] >= 1):
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, err[-3000:]
    assert "--resume runs/cut" in err
    done_before = json.loads(state.read_text())["epochs_done"]
    assert 1 <= done_before < 20

    done = _sercnn(tmp_path, "train", "--resume", "runs/cut", "--no-progress")
    assert done.returncode == 0, done.stderr[-3000:]
    record = json.loads((tmp_path / "runs" / "cut" / "record.json").read_text())
    assert record["training"]["epochs_run"] == 20
    assert record["training"]["resumed_at_epochs"] == [done_before]
    assert len(record["history"]["loss"]) == 20
    assert record["command"].endswith("--run-name cut --no-progress")  # the first start's command
    assert len(record["resumes"]) == 1 and "--resume" in record["resumes"][0]["command"]


def test_existing_folder_is_never_deleted(tmp_path):
    keep = tmp_path / "runs" / "keep"
    keep.mkdir(parents=True)
    (keep / "notes.txt").write_text("mine")
    done = _sercnn(tmp_path, "train", "--corpus", "iemocap", "--data-root", "nowhere", "--run-name", "keep")
    assert done.returncode == 2 and "not empty" in done.stderr
    assert (keep / "notes.txt").read_text() == "mine"


def test_missing_corpus_is_one_clear_error(tmp_path):
    done = _sercnn(tmp_path, "train", "--corpus", "iemocap", "--data-root", str(tmp_path / "nowhere"))
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and str(tmp_path / "nowhere") in errors[0]
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())
    assert "Traceback" not in done.stderr
    done = _sercnn(tmp_path, "evaluate", str(tmp_path / "no-run"))
    assert done.returncode == 1 and "no run record" in done.stderr
