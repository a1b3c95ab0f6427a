"""Train/test splits of the paper's two protocols (section 4.1, 4.2), and validation sets for model selection.

Every function takes the manifest and returns positions into it (``numpy`` int arrays), never labels or
file names, so the same split serves both networks.

- :func:`speaker_dependent`: utterances split at random, 80 % train / 20 % test, stratified by emotion.
- :func:`speaker_independent`: "the data of eight subjects are chosen as the training set, the data of
  other two subjects are chosen as the testing set" (section 4.2).
- :func:`leave_one_speaker_out`: one fold per speaker.
- :func:`validation_split`: carves a validation set out of the training positions only (the held-out
  model-selection mode), so that the test set is touched once.
- :func:`make_split`: the ``(train, test)`` positions a run's configuration names (its ``split``, ``seed``,
  ``test_speakers``, ``fold``), one of :data:`SPLITS`.
- :func:`speaker_pairs`: speaker-independent test pairs that test every speaker once (EmoDB:
  :data:`EMODB_PAIRS`); :func:`draw_pair`: one female and one male speaker drawn with a seed.

Notebooks: ``book/04_1d_cnn_lstm.ipynb``, ``book/05_2d_cnn_lstm.ipynb``, ``book/07_results.ipynb``.
"""

from __future__ import annotations

from typing import Literal, Sequence

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from .config import SPLITS, VALIDATION_SIZE

Split = tuple[np.ndarray, np.ndarray]

#: Share of the utterances in the speaker-dependent test set (section 4.1).
TEST_SIZE = 0.2
#: EmoDB's five male+female test pairs (section 4.2 trains on 8 speakers and tests on 2): every speaker is
#: tested once.
EMODB_PAIRS = (("03", "08"), ("10", "09"), ("11", "13"), ("12", "14"), ("15", "16"))


def speaker_dependent(df: pd.DataFrame, seed: int, test_size: float = TEST_SIZE) -> Split:
    """Stratified random split of utterances (section 4.1): speakers appear on both sides."""
    positions = np.arange(len(df))
    train, test = train_test_split(
        positions, test_size=test_size, random_state=seed, stratify=df["emotion"].astype(str).to_numpy()
    )
    return np.sort(train), np.sort(test)


def speaker_independent(df: pd.DataFrame, seed: int, test_speakers: Sequence[str] | None = None) -> Split:
    """Two speakers for test, the others for training (section 4.2).

    Without ``test_speakers``, the seed draws one female and one male speaker where the manifest has both
    (EmoDB's and IEMOCAP's ten speakers are five of each), else any two.
    """
    speakers = sorted(df["speaker"].astype(str).unique())
    if test_speakers is None:
        test_speakers = draw_pair(df, seed)
    test_speakers = [str(s) for s in test_speakers]
    unknown = sorted(set(test_speakers) - set(speakers))
    if unknown:
        raise ValueError(f"unknown test speaker(s) {unknown}; the manifest has {speakers}")
    if len(set(test_speakers)) >= len(speakers):
        raise ValueError("at least one speaker must be left for training")
    is_test = df["speaker"].astype(str).isin(test_speakers).to_numpy()
    return np.flatnonzero(~is_test), np.flatnonzero(is_test)


def draw_pair(df: pd.DataFrame, seed: int) -> list[str]:
    """Two speakers drawn with ``seed``: one female and one male where the manifest has both, else any two
    (the test speakers of :func:`speaker_independent`, the validation speakers of ``sercnn.search``)."""
    rng = np.random.default_rng(seed)
    by_gender = df.groupby("gender", observed=True)["speaker"].unique()
    if {"female", "male"} <= set(by_gender.index):
        return [str(rng.choice(sorted(by_gender[g]))) for g in ("female", "male")]
    speakers = sorted(df["speaker"].astype(str).unique())
    return [str(s) for s in rng.choice(speakers, size=2, replace=False)]


def speaker_pairs(df: pd.DataFrame) -> list[tuple[str, str]]:
    """Test pairs that cover every speaker once: EmoDB's :data:`EMODB_PAIRS`; otherwise males and females
    in sorted order, zipped (IEMOCAP: the two actors of each session), else consecutive speakers.

    Notebook: ``book/07_results.ipynb`` (the folds of the speaker-independent protocol).
    """
    speakers = sorted(df["speaker"].astype(str).unique())
    if set(speakers) == {s for pair in EMODB_PAIRS for s in pair}:
        return [tuple(p) for p in EMODB_PAIRS]
    by_gender = df.groupby(df["gender"].astype(str))["speaker"].unique() if "gender" in df else {}
    males = sorted(map(str, by_gender.get("male", [])))
    females = sorted(map(str, by_gender.get("female", [])))
    if males and len(males) == len(females) and len(males) + len(females) == len(speakers):
        return list(zip(males, females))
    if len(speakers) % 2:
        raise ValueError(f"{len(speakers)} speakers cannot be split into test pairs that cover each once")
    return [(speakers[i], speakers[i + 1]) for i in range(0, len(speakers), 2)]


def make_split(df: pd.DataFrame, cfg) -> Split:
    """``(train, test)`` positions for the split a configuration names (a ``RunConfig`` or
    ``BaselineConfig``: its ``split``, ``seed``, ``test_speakers`` and, for ``loso``, ``fold``).

    Notebooks: ``book/04_1d_cnn_lstm.ipynb``, ``book/05_2d_cnn_lstm.ipynb`` (through ``experiment.run``).
    """
    if cfg.split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {cfg.split!r}")
    if cfg.split == "speaker-dependent":
        return speaker_dependent(df, cfg.seed)
    if cfg.split == "speaker-independent":
        return speaker_independent(df, cfg.seed, cfg.test_speakers)
    if cfg.split == "cross-corpus":
        return cross_corpus(df, cfg.corpus, cfg.test_corpus)
    folds = dict(zip(sorted(df["speaker"].astype(str).unique()), leave_one_speaker_out(df)))
    if str(cfg.fold) not in folds:
        raise ValueError(f"fold {cfg.fold!r} is not a speaker of the corpus ({sorted(folds)})")
    return folds[str(cfg.fold)]


def cross_corpus(df: pd.DataFrame, train: str, test: str) -> Split:
    """Every utterance of corpus ``train`` for training, every one of ``test`` for test (the ``corpus`` column of
    a :func:`sercnn.datasets.cross_corpus` manifest): no speaker is on both sides."""
    if "corpus" not in df or df["corpus"].isna().any():
        raise ValueError("a cross-corpus split needs the manifest of sercnn.datasets.cross_corpus")
    corpus = df["corpus"].astype(str).to_numpy()
    train_pos, test_pos = np.flatnonzero(corpus == train), np.flatnonzero(corpus == test)
    for name, pos in ((train, train_pos), (test, test_pos)):
        if len(pos) == 0:
            raise ValueError(f"the manifest holds no utterance of corpus {name!r} (it has {sorted(set(corpus))})")
    return train_pos, test_pos


def leave_one_speaker_out(df: pd.DataFrame) -> list[Split]:
    """One ``(train, test)`` fold per speaker, in sorted speaker order."""
    speaker = df["speaker"].astype(str).to_numpy()
    return [
        (np.flatnonzero(speaker != s), np.flatnonzero(speaker == s)) for s in sorted(np.unique(speaker))
    ]


def validation_split(
    df: pd.DataFrame,
    train: np.ndarray,
    seed: int,
    *,
    by: Literal["utterance", "speaker"] = "utterance",
    size: float = VALIDATION_SIZE,
) -> Split:
    """Split training positions into ``(fit, validation)`` for early stopping in ``held-out`` mode.

    ``by="utterance"``: a stratified ``size`` share of the training utterances, at least one per class
    (the training speakers' voices are then on both sides, which flatters validation accuracy but keeps
    all speakers for fitting).
    ``by="speaker"``: one whole training speaker per ``size`` share (at least one), drawn with the seed: a
    stricter, noisier estimate of unseen-speaker accuracy.
    """
    train = np.asarray(train)
    if by == "utterance":
        strata = df["emotion"].astype(str).to_numpy()[train]
        # At least one utterance per class where the training set allows it; a set too small to be
        # stratified (a class with a single utterance) is drawn at random instead.
        n_val = max(int(round(size * len(train))), len(np.unique(strata)))
        if n_val >= len(train):
            raise ValueError(f"{len(train)} training utterances are too few to hold out a validation set")
        try:
            fit, val = train_test_split(train, test_size=n_val, random_state=seed, stratify=strata)
        except ValueError:
            fit, val = train_test_split(train, test_size=n_val, random_state=seed)
        return np.sort(fit), np.sort(val)
    if by == "speaker":
        speakers = sorted(df["speaker"].astype(str).iloc[train].unique())
        n = max(1, int(round(size * len(speakers))))
        if n >= len(speakers):
            raise ValueError("a speaker-wise validation set needs at least two training speakers")
        held = np.random.default_rng(seed).choice(speakers, size=n, replace=False)
        is_val = df["speaker"].astype(str).iloc[train].isin(held).to_numpy()
        return train[~is_val], train[is_val]
    raise ValueError(f"by must be 'utterance' or 'speaker', got {by!r}")


def speakers_of(df: pd.DataFrame, positions: np.ndarray) -> list[str]:
    """The sorted speakers found at ``positions``."""
    return sorted(df["speaker"].astype(str).iloc[positions].unique())


def describe(df: pd.DataFrame, train: np.ndarray, test: np.ndarray) -> dict:
    """A JSON-ready description of a split, for the run record."""
    return {
        "n_train": int(len(train)),
        "n_test": int(len(test)),
        "train_speakers": speakers_of(df, train),
        "test_speakers": speakers_of(df, test),
    }
