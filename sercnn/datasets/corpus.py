"""A run's corpus: which one (:func:`resolve_corpus`), a small balanced part of it (:func:`subset`), and the
stable names of its utterances (:func:`utterance_ids`).

Notebooks: ``book/01_data.ipynb`` (and every chapter that loads a corpus).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from ..errors import CorruptArchiveError, DatasetNotFoundError


def resolve_corpus(name: str, root: str | Path | None = None) -> pd.DataFrame:
    """Load a corpus; ``auto`` means EmoDB where it can be had (local, ``SERCNN_DATA`` or download), else
    the synthetic corpus, with a warning that says so (and every output names the corpus used).

    Notebook: ``book/01_data.ipynb`` (and chapters 0, 2-6, 8).
    """
    from . import load_corpus

    if name != "auto":
        return load_corpus(name, root)
    try:
        return load_corpus("emodb", root)
    except (DatasetNotFoundError, CorruptArchiveError) as exc:
        warnings.warn(
            f"EmoDB cannot be had here ({exc}); using the SYNTHETIC corpus instead: it is not speech, and its "
            "results say nothing about emotion recognition",
            UserWarning,
            stacklevel=2,
        )
        return load_corpus("synthetic")


def subset(df: pd.DataFrame, per_speaker_class: int, seed: int) -> pd.DataFrame:
    """At most ``per_speaker_class`` utterances of each (speaker, emotion): a small balanced corpus.

    Notebooks: ``book/04_1d_cnn_lstm.ipynb``, ``book/05_2d_cnn_lstm.ipynb``.
    """
    shuffled = df.sample(frac=1.0, random_state=seed)
    picked = shuffled.groupby(["speaker", "emotion"], observed=True).head(per_speaker_class)
    out = df.loc[sorted(picked.index)].reset_index(drop=True)
    out.attrs = dict(df.attrs)
    out.attrs["subset"] = f"at most {per_speaker_class} utterances per speaker and emotion (seed {seed})"
    return out


def utterance_ids(df: pd.DataFrame, positions: Sequence[int] | np.ndarray | None = None) -> list[str]:
    """Stable names of the utterances at ``positions`` (all, in order, without): the ``utterance`` column,
    else the file stem. Run records name their test and validation utterances by them.

    Notebooks: ``book/01_data.ipynb``, ``book/05_2d_cnn_lstm.ipynb``.
    """
    col = df["utterance"] if "utterance" in df else df["path"].map(lambda p: Path(p).stem)
    col = col if positions is None else col.iloc[positions]
    return col.astype(str).tolist()
