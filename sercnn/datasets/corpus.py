"""A run's corpus: which one (:func:`resolve_corpus`), two of them for a cross-corpus run (:func:`cross_corpus`,
:func:`run_corpus`), a small balanced part of it (:func:`subset`), and the stable names of its utterances
(:func:`utterance_ids`).

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


def cross_corpus(train: str, test: str, root: str | Path | None = None) -> pd.DataFrame:
    """One manifest of two corpora for a cross-corpus run: every utterance of ``train`` and of ``test`` whose
    class both corpora have (in ``train``'s class order; EmoDB and RAVDESS share six, EmoDB's boredom has no
    RAVDESS counterpart, RAVDESS' calm and surprised none in EmoDB), speakers named ``<corpus>:<speaker>`` so that
    none is shared, and the ``corpus`` column saying which side each utterance is on. ``root`` is the training
    corpus' folder (the test corpus: its loader's default, e.g. ``$SERCNN_DATA/<corpus>``).
    ``df.attrs['cross_corpus']`` records the shared classes and what each corpus left out; the run record keeps it.

    Notebook: ``book/08_beyond.ipynb``.
    """
    from . import load_corpus
    from ._manifest import class_names

    sides = {train: load_corpus(train, root), test: load_corpus(test)}
    test_classes = set(class_names(sides[test]))
    shared = [c for c in class_names(sides[train]) if c in test_classes]
    if len(shared) < 2:
        raise ValueError(f"{train} and {test} share {len(shared)} class(es) ({shared}): a cross-corpus run needs two")
    parts, left_out = [], {}
    for name, df in sides.items():
        keep = df["emotion"].isin(shared).to_numpy()
        part = df.loc[keep].copy()
        part["corpus"] = name
        part["speaker"] = name + ":" + part["speaker"].astype(str)
        part["emotion"] = pd.Categorical(part["emotion"].astype(str), categories=shared)
        parts.append(part)
        dropped = df.loc[~keep, "emotion"].astype(str)
        left_out[name] = {"classes": sorted(set(class_names(df)) - set(shared)), "utterances": int(len(dropped))}
    out = pd.concat(parts, ignore_index=True)
    out.attrs = {
        "corpus": f"{train}-to-{test}",
        "source": "; ".join(f"{n}: {d.attrs.get('source', '?')}" for n, d in sides.items()),
        "root": str(sides[train].attrs.get("root")),
        "skipped": [*sides[train].attrs.get("skipped", []), *sides[test].attrs.get("skipped", [])],
        "cross_corpus": {"train": train, "test": test, "classes": shared, "left_out": left_out,
                         "n_utterances": {n: int((out["corpus"] == n).sum()) for n in sides},
                         "class_names": "each corpus' emotions under this package's names (EmoDB's; "
                                        "sercnn.datasets.ravdess.CLASS_NAMES maps RAVDESS' codes)"},
    }
    return out


#: How a corpus' utterance names give their speaker (EmoDB ``03a01Fa``: the first two characters; RAVDESS
#: ``03-01-05-01-02-01-12``: the last field, the actor), so that a record's test utterances can be grouped by
#: speaker without the audio.
SPEAKER_OF_UTTERANCE = {"emodb": lambda u: u[:2], "ravdess": lambda u: u.rsplit("-", 1)[-1]}


def speaker_of(corpus: str, utterance: str) -> str:
    """The speaker of utterance ``utterance`` of ``corpus`` (:data:`SPEAKER_OF_UTTERANCE`).

    Notebook: ``book/08_beyond.ipynb``.
    """
    if corpus not in SPEAKER_OF_UTTERANCE:
        raise ValueError(f"no rule for the speakers of {corpus!r} utterances (known: {sorted(SPEAKER_OF_UTTERANCE)})")
    return SPEAKER_OF_UTTERANCE[corpus](str(utterance))


def run_corpus(cfg) -> pd.DataFrame:
    """The manifest a configuration (``RunConfig`` or ``BaselineConfig``) runs on: :func:`cross_corpus` for a
    cross-corpus split, else :func:`resolve_corpus`.

    Notebooks: ``book/04_1d_cnn_lstm.ipynb``, ``book/05_2d_cnn_lstm.ipynb``, ``book/08_beyond.ipynb``.
    """
    if getattr(cfg, "test_corpus", None):
        return cross_corpus(cfg.corpus, cfg.test_corpus, cfg.data_root)
    return resolve_corpus(cfg.corpus, cfg.data_root)


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
