"""The manifest every loader returns: one row per utterance, the same columns for every corpus.

Columns: ``path, corpus, speaker, gender, text, emotion, duration_s, sample_rate, channels`` (loaders may
add more). ``emotion`` is a pandas Categorical whose categories are the corpus' classes in a fixed order,
so ``labels(df)`` gives stable integer labels. ``df.attrs`` holds ``corpus``, ``classes``, ``root``,
``source`` and ``skipped``: every file that was found but left out, with the reason.
"""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd
import soundfile as sf

from ..errors import AudioFileError, SkippedFilesWarning

MANIFEST_COLUMNS = (
    "path",
    "corpus",
    "speaker",
    "gender",
    "text",
    "emotion",
    "duration_s",
    "sample_rate",
    "channels",
)

#: A peak at or below one step of 16-bit audio counts as silence.
SILENCE_PEAK = 1.0 / 32768.0
#: Clips shorter than one analysis frame of the log-mel (``features.N_FFT`` = 2048 samples at
#: ``features.SAMPLE_RATE`` = 16 kHz: 0.128 s) are skipped: their spectrogram would be padding, and a wav
#: truncated to a few bytes reads as such a clip. Every real utterance of EmoDB (>= 1.2 s), RAVDESS (>= 3 s)
#: and IEMOCAP is far longer.
MIN_DURATION_S = 2048 / 16000


@dataclass(frozen=True)
class AudioInfo:
    """What :func:`probe_audio` learns about a file."""

    sample_rate: int
    channels: int
    frames: int

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate


def probe_audio(path: str | Path) -> AudioInfo:
    """Read a file once and check that it can be used; raise :class:`AudioFileError` naming the problem."""
    path = Path(path)
    try:
        data, sample_rate = sf.read(path, dtype="float32", always_2d=True)
    except Exception as exc:  # soundfile raises LibsndfileError, RuntimeError or TypeError
        raise AudioFileError(path, f"not a readable audio file ({exc})") from exc
    frames, channels = data.shape
    if frames == 0:
        raise AudioFileError(path, "empty: the file holds no samples")
    if not np.isfinite(data).all():
        raise AudioFileError(path, "holds NaN or infinite samples")
    if float(np.abs(data).max()) <= SILENCE_PEAK:
        raise AudioFileError(path, "all-silent: every sample is zero (or below one 16-bit step)")
    if frames / sample_rate < MIN_DURATION_S:
        raise AudioFileError(path, f"too short: {1000 * frames / sample_rate:.1f} ms, less than one analysis frame "
                             f"({1000 * MIN_DURATION_S:.0f} ms); truncated?")
    return AudioInfo(sample_rate=int(sample_rate), channels=int(channels), frames=int(frames))


def probe_many(paths: Iterable[Path], workers: int = 8) -> list[AudioInfo | AudioFileError]:
    """Probe files concurrently (libsndfile releases the GIL); failures come back as exceptions."""

    def one(p: Path) -> AudioInfo | AudioFileError:
        try:
            return probe_audio(p)
        except AudioFileError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, paths))


def make_manifest(
    rows: list[dict],
    skipped: list[dict],
    *,
    corpus: str,
    classes: list[str],
    root: Path | None,
    source: str,
) -> pd.DataFrame:
    """Assemble the manifest and warn, naming files, about everything that was skipped."""
    df = pd.DataFrame(rows, columns=[*MANIFEST_COLUMNS, *_extra_columns(rows)])
    df["emotion"] = pd.Categorical(df["emotion"], categories=list(classes))
    df = df.sort_values("path", kind="stable").reset_index(drop=True)
    df.attrs.update(
        corpus=corpus,
        classes=list(classes),
        root=str(root) if root is not None else None,
        source=source,
        skipped=list(skipped),
    )
    if skipped:
        warn_skipped(f"{corpus}: {len(skipped)} file(s) left out of the manifest",
                     [f"{s['path']}: {s['reason']}" for s in skipped], stacklevel=4)
    return df


def warn_skipped(what: str, reasons: list[str], stacklevel: int = 3) -> None:
    """One :class:`SkippedFilesWarning`: ``what`` left out, listed in ``df.attrs['skipped']``, the first five
    reasons shown."""
    more = f" (and {len(reasons) - 5} more)" if len(reasons) > 5 else ""
    warnings.warn(f"{what}, listed in df.attrs['skipped']: {'; '.join(reasons[:5])}{more}", SkippedFilesWarning,
                  stacklevel=stacklevel)


def user_copy_root(root: str | Path | None, name: str) -> tuple[Path, str]:
    """The folder of a corpus the user provides (``name``: iemocap, ravdess) and a phrase saying where it came
    from: ``root``, else ``$SERCNN_DATA/<name>``, else the per-user data folder."""
    from ..paths import DATA_ENV, data_home, env_set

    if root is not None:
        root = Path(root).expanduser()
        return root, f"local copy at {root}"
    root = data_home() / name
    return root, f"${DATA_ENV}/{name} ({root})" if env_set() else f"per-user data folder ({root})"


def _extra_columns(rows: list[dict]) -> list[str]:
    extra: list[str] = []
    for row in rows[:1]:
        extra = [k for k in row if k not in MANIFEST_COLUMNS]
    return extra


def labels(df: pd.DataFrame) -> np.ndarray:
    """Integer labels, the position of each utterance's emotion in ``df.attrs['classes']``."""
    return df["emotion"].cat.codes.to_numpy().astype("int64")


def class_names(df: pd.DataFrame) -> list[str]:
    """The corpus' classes in label order."""
    return list(df["emotion"].cat.categories)


def describe(df: pd.DataFrame) -> str:
    """One line that says which corpus a manifest holds and where it came from."""
    a = df.attrs
    line = (
        f"corpus: {a.get('corpus', '?')} ({len(df)} utterances, {df['speaker'].nunique()} speakers, "
        f"{len(class_names(df))} classes; source: {a.get('source', '?')})"
    )
    if a.get("skipped"):
        line += f"; {len(a['skipped'])} file(s) skipped, see df.attrs['skipped']"
    return line
