"""Corpora as manifests: one pandas row per utterance (columns in ``_manifest``).

- :func:`load_emodb`: Berlin EmoDB, downloaded and verified, or a local copy (``SERCNN_DATA``).
- :func:`load_iemocap`: a user's licensed IEMOCAP copy, selected as in the paper (section 3.5).
- :func:`load_synthetic`: a small labelled corpus synthesised in NumPy, for machines with neither.

Notebook: ``book/01_data.ipynb``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ._manifest import MANIFEST_COLUMNS, class_names, describe, labels
from .emodb import load_emodb
from .iemocap import load_iemocap
from .synthetic import load_synthetic

CORPORA = ("emodb", "iemocap", "synthetic")

__all__ = [
    "CORPORA",
    "MANIFEST_COLUMNS",
    "class_names",
    "describe",
    "labels",
    "load_corpus",
    "load_emodb",
    "load_iemocap",
    "load_synthetic",
]


def load_corpus(name: str, root: str | Path | None = None) -> pd.DataFrame:
    """The manifest of corpus ``name`` (``emodb``, ``iemocap`` or ``synthetic``); ``root`` as each loader."""
    if name == "emodb":
        return load_emodb(root)
    if name == "iemocap":
        return load_iemocap(root)
    if name == "synthetic":
        return load_synthetic(root)
    raise ValueError(f"unknown corpus {name!r}; choose one of {', '.join(CORPORA)}")
