"""A command line that answers at once and shows progress (issue 13, part 4): ``--help`` without the backend
and its log lines, and one plain line per finished epoch, fold and trial where the output is a log."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sercnn.progress import Steps, choose_mode

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from cli_help import TF_LINE  # noqa: E402  (the log lines TensorFlow and absl print when TensorFlow starts)

#: Modules the command line may import only inside the command that needs them.
HEAVY = ("keras", "tensorflow", "jax", "torch", "librosa", "sklearn", "pandas")


def test_help_prints_no_tensorflow_lines():
    done = subprocess.run([sys.executable, "-m", "sercnn", "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "protocol" in done.stdout and "search" in done.stdout
    assert not TF_LINE.search(done.stdout + done.stderr), done.stderr


def test_importing_the_command_line_loads_no_backend():
    code = f"import sys, sercnn.cli; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_configuration_errors_name_the_option(capsys):
    from sercnn.cli import main

    assert main(["protocol", "loso", "--corpus", "synthetic", "--seconds", "-1", "--out", "x"]) == 1
    assert "error: --seconds: seconds must be in (0, 60]" in capsys.readouterr().err


def test_progress_mode_follows_the_terminal():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    assert choose_mode(stream=Terminal()) == "bar"
    assert choose_mode(no_progress=True, stream=Terminal()) == "lines"
    assert choose_mode(stream=io.StringIO()) == "lines"  # a log file


def test_steps_print_one_line_each(capsys):
    with Steps(3, "lines", desc="runs", unit="run", initial=1) as steps:
        steps.done("fold 03-08 seed 1 done: acc 74.8")
    assert capsys.readouterr().out == "fold 03-08 seed 1 done: acc 74.8 (2 of 3)\n"
    with Steps(2, "off", desc="runs", unit="run") as steps:
        steps.done("quiet")
    assert capsys.readouterr().out == ""
    with pytest.raises(ValueError, match="progress must be one of"):
        Steps(1, "loud", desc="runs", unit="run")


def test_epoch_line():
    from sercnn.training import epoch_line

    logs = {"loss": 0.834, "accuracy": 0.712, "val_loss": 1.0, "val_accuracy": 0.638}
    assert epoch_line(12, 100, logs) == "epoch 12/100 loss 0.83 acc 0.71 val_acc 0.64"


@pytest.mark.slow
def test_protocol_log_shows_each_epoch_and_fold(tmp_path, capsys):
    from sercnn.cli import main

    rc = main(["protocol", "speaker-independent", "--corpus", "synthetic", "--model", "2d", "--epochs", "2",
               "--max-per-speaker-class", "1", "--seconds", "4.064", "--only", "s01-s02", "--seeds", "2",
               "--parallel", "1", "--out", str(tmp_path / "si")])
    printed = capsys.readouterr().out  # not a terminal: plain lines, no bar
    assert rc == 0, printed
    for seed in (0, 1):
        assert re.search(rf"^fold s01-s02 seed {seed}: epoch 2/2 loss \d+\.\d\d acc \d\.\d\d val_acc \d\.\d\d$",
                         printed, re.MULTILINE), printed
    assert re.search(r"^fold s01-s02 seed 1 done: acc \d+\.\d \(2 of 2\)$", printed, re.MULTILINE), printed
    assert "\r" not in printed  # no bar


@pytest.mark.slow
def test_search_log_shows_each_trial(tmp_path, capsys):
    from sercnn.cli import main

    rc = main(["search", "--corpus", "synthetic", "--epochs", "1", "--max-per-speaker-class", "1", "--seconds",
               "4.064", "--test-speakers", "s01", "s02", "--trials", "2", "--algo", "random", "--no-progress",
               "--out", str(tmp_path / "r")])
    printed = capsys.readouterr().out
    assert rc == 0, printed
    assert re.search(r"^trial 1: epoch 1/1 loss ", printed, re.MULTILINE), printed
    assert re.search(r"^trial 2 done: accuracy \d+\.\d % \(.*optimizer .*\) \(2 of 2\)$", printed, re.MULTILINE)
