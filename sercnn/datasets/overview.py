"""A corpus at a glance, from its manifest: one utterance per emotion (the paper's Fig. 8), utterances per speaker
and emotion, and the digital silence each file already ends with. Tables and series, no figures: chapter 1
draws them with :mod:`sercnn.book.plots`.

Notebook: ``book/01_data.ipynb``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from ._manifest import SILENCE_PEAK
from .corpus import utterance_ids

#: The utterances of the paper's Fig. 8 (EmoDB speaker 03), one per emotion, in the order of its Table 3.
FIG8_UTTERANCES = ("03a01Wa", "03a04Lc", "03b10Ec", "03a04Ad", "03a01Fa", "03a01Nc", "03a02Ta")


def examples_per_emotion(
    df: pd.DataFrame, speaker: str | None = None, text: str | None = None, utterances=None
) -> pd.DataFrame:
    """One utterance per emotion, for a figure like the paper's Fig. 8: rows of ``df`` in class order.

    ``utterances`` (e.g. :data:`FIG8_UTTERANCES`) picks them by name, where ``df`` holds them all. Otherwise
    one speaker and one sentence are chosen, ``speaker`` and ``text`` where given, else the (speaker, text)
    pair spoken in the most emotions (the first in sorted order on a tie); an emotion that pair lacks comes
    from the same speaker, then from anyone. Notebook: ``book/01_data.ipynb``.
    """
    ids = np.asarray(utterance_ids(df))
    if utterances is not None and set(utterances) <= set(ids):
        picked = df[np.isin(ids, list(utterances))]
        return picked.sort_values("emotion", kind="stable").reset_index(drop=True)
    pool = df if speaker is None else df[df["speaker"].astype(str) == str(speaker)]
    if text is not None:
        pool = pool[pool["text"].astype(str) == str(text)]
    if pool.empty:
        raise ValueError(f"no utterance of speaker {speaker!r} and text {text!r} in this corpus")
    counts = pool.groupby(["speaker", "text"], observed=True)["emotion"].nunique()
    best = counts[counts == counts.max()].sort_index().index[0]
    rows = []
    for emotion in df["emotion"].cat.categories:
        for cand in (
            pool[(pool["speaker"] == best[0]) & (pool["text"] == best[1])],
            df[df["speaker"] == best[0]],
            df,
        ):
            match = cand[cand["emotion"] == emotion]
            if not match.empty:
                rows.append(match.sort_values("path").index[0])
                break
    return df.loc[rows].reset_index(drop=True)


def speaker_emotion_table(df: pd.DataFrame) -> pd.DataFrame:
    """Utterances per speaker (rows, ``"03 (m)"``: speaker and the first letter of the sex) and emotion
    (columns), with totals. Notebook: ``book/01_data.ipynb``."""
    speaker = df["speaker"].astype(str) + " (" + df["gender"].astype(str).str[0] + ")"
    return pd.crosstab(speaker.rename("speaker"), df["emotion"], margins=True, margins_name="total")


def trailing_silence_s(df: pd.DataFrame, workers: int = 8) -> pd.Series:
    """Seconds of digital silence (samples within one 16-bit step of zero, ``SILENCE_PEAK``) at the end of
    each file of ``df``, at the file's own rate: zero padding that a file already holds. Read with
    ``workers`` threads. Notebook: ``book/01_data.ipynb``."""
    import soundfile as sf

    def one(path: str) -> float:
        y, sr = sf.read(path, dtype="float32", always_2d=True)
        loud = np.flatnonzero(np.abs(y).max(axis=1) > SILENCE_PEAK)
        last = int(loud[-1]) + 1 if len(loud) else 0
        return (len(y) - last) / sr

    with ThreadPoolExecutor(max_workers=workers) as pool:
        values = list(pool.map(one, df["path"]))
    return pd.Series(values, index=df.index, name="trailing_silence_s")


def speech_span_s(df: pd.DataFrame, top_db: float = 40.0, workers: int = 8) -> pd.DataFrame:
    """Where the sound is in each file of ``df``: ``onset_s`` and ``offset_s``, the first and last frame within
    ``top_db`` dB of the file's loudest (``librosa.effects.trim``, 2048-sample frames, hop 512), and
    ``duration_s``. Unlike :func:`trailing_silence_s` this also finds silence that is room noise, not zeros (RAVDESS
    clips start with about a second of it). Read with ``workers`` threads. Notebook: ``book/01_data.ipynb``."""
    import librosa
    import soundfile as sf

    def one(path: str) -> tuple[float, float, float]:
        y, sr = sf.read(path, dtype="float32", always_2d=True)
        mono = y.mean(axis=1)
        _, (start, end) = librosa.effects.trim(mono, top_db=top_db)
        return start / sr, end / sr, len(mono) / sr

    with ThreadPoolExecutor(max_workers=workers) as pool:
        values = list(pool.map(one, df["path"]))
    return pd.DataFrame(values, index=df.index, columns=["onset_s", "offset_s", "duration_s"])
