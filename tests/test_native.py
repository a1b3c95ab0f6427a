"""sercnn._native: openSMILE's library is loaded before TensorFlow's, or a clear error replaces the crash."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sercnn import _native

pytest.importorskip("opensmile")

SCRIPT = """
import numpy as np
{first}
from sercnn.features import functionals
y = (0.3 * np.sin(2 * np.pi * 180 * np.arange(16000) / 16000)).astype(np.float32)
try:
    print("shape", functionals(y, 16000, "eGeMAPSv02").shape)
except RuntimeError as exc:
    print("error", exc)
"""


def _run(first: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", SCRIPT.format(first=first)], capture_output=True, text=True,
                          timeout=600)


def test_the_library_is_found_and_loaded():
    assert _native.opensmile_library() is not None
    assert _native.preload_opensmile()


@pytest.mark.slow
def test_tensorflow_after_sercnn_runs_opensmile():
    """The order of the package's own users (and of pytest's collection): sercnn first, then TensorFlow."""
    pytest.importorskip("tensorflow")
    done = _run("import sercnn\nimport tensorflow")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "shape (88,)" in done.stdout


@pytest.mark.slow
def test_tensorflow_before_sercnn_is_a_clear_error_not_a_crash():
    pytest.importorskip("tensorflow")
    done = _run("import tensorflow\nimport sercnn")
    assert done.returncode == 0, done.stderr[-2000:]  # before the guard: -11, a segmentation fault
    assert "error openSMILE crashes" in done.stdout and "Import sercnn (or opensmile) before" in done.stdout


def test_the_check_is_silent_when_sercnn_came_first(monkeypatch):
    monkeypatch.setattr(_native, "TENSORFLOW_FIRST", False)
    _native.check_opensmile_order()
    monkeypatch.setattr(_native, "TENSORFLOW_FIRST", True)
    monkeypatch.delitem(sys.modules, "opensmile", raising=False)
    with pytest.raises(RuntimeError, match="segmentation fault"):
        _native.check_opensmile_order()
