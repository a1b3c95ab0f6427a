"""Shared fixtures. Tests that need the real EmoDB find it through SERCNN_DATA and skip, saying why,
where it is absent; every other test makes its own small data."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    """Keep the feature cache out of the user's folders (tests that synthesise a corpus pass their own
    root or SERCNN_DATA)."""
    old = {k: os.environ.get(k) for k in ("SERCNN_CACHE",)}
    os.environ["SERCNN_CACHE"] = str(tmp_path_factory.mktemp("feature-cache"))
    yield
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def _emodb_root() -> Path | None:
    data = os.environ.get("SERCNN_DATA")
    if not data:
        return None
    root = Path(data) / "emodb"
    return root if (root / "wav").is_dir() else None


@pytest.fixture(scope="session")
def emodb_root() -> Path:
    root = _emodb_root()
    if root is None:
        pytest.skip("real EmoDB not available: set SERCNN_DATA to a folder holding emodb/wav")
    return root


@pytest.fixture(scope="session")
def emodb(emodb_root):
    from sercnn.datasets import load_emodb

    return load_emodb(emodb_root)


def write_tone(path: Path, *, sr: int = 16000, seconds: float = 1.0, channels: int = 1, freq: float = 220.0,
               amplitude: float = 0.3, seed: int = 0) -> Path:
    """A short non-silent test wav (tone plus a little noise)."""
    t = np.arange(int(sr * seconds)) / sr
    rng = np.random.default_rng(seed)
    y = amplitude * np.sin(2 * np.pi * freq * t) + 0.01 * rng.standard_normal(len(t))
    data = np.stack([y] * channels, axis=1) if channels > 1 else y
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, data.astype(np.float32), sr, subtype="PCM_16")
    return path
