"""Corpora as manifests: one pandas row per utterance (columns in ``_manifest``).

- :func:`load_emodb`: Berlin EmoDB, downloaded and verified, or a local copy (``SERCNN_DATA``).
- :func:`load_iemocap`: a user's licensed IEMOCAP copy, selected as in the paper (section 3.5).
- :func:`load_ravdess`: a user's copy of RAVDESS (CC BY-NC-SA 4.0), English speech, EmoDB's class names.
- :func:`load_synthetic`: a small labelled corpus synthesised in NumPy, for machines with neither.
- :func:`resolve_corpus` (``auto``: EmoDB, else synthetic), :func:`subset`, :func:`utterance_ids`: a run's
  corpus, a small balanced part of it, and its utterances' names (``corpus.py``).

Notebook: ``book/01_data.ipynb``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..config import CORPORA
from ._manifest import MANIFEST_COLUMNS, class_names, describe, labels
from .corpus import cross_corpus, resolve_corpus, run_corpus, speaker_of, subset, utterance_ids
from .emodb import load_emodb, load_perception
from .iemocap import load_iemocap
from .ravdess import load_ravdess
from .synthetic import load_synthetic

__all__ = [
    "CORPORA",
    "MANIFEST_COLUMNS",
    "class_names",
    "cross_corpus",
    "describe",
    "labels",
    "load_corpus",
    "load_emodb",
    "load_iemocap",
    "load_perception",
    "load_ravdess",
    "load_synthetic",
    "resolve_corpus",
    "run_corpus",
    "speaker_of",
    "subset",
    "utterance_ids",
]


def load_corpus(name: str, root: str | Path | None = None) -> pd.DataFrame:
    """The manifest of corpus ``name`` (one of ``CORPORA``), each loader's defaults; ``root`` as each loader."""
    if name == "emodb":
        return load_emodb(root)
    if name == "iemocap":
        return load_iemocap(root)
    if name == "ravdess":
        return load_ravdess(root)
    if name == "synthetic":
        return load_synthetic(root)
    raise ValueError(f"unknown corpus {name!r}; choose one of {', '.join(CORPORA)}")
