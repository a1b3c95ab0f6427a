"""The networks' inputs (paper section 3.5): 8 s of 16 kHz audio, and its log-mel spectrogram.

- 1D network: the raw clip, mono, 16 kHz, cut or zero-padded to 8 s = 128000 samples.
- 2D network: log-mel spectrogram with FFT window 2048, hop 512, 128 mel bands, in dB: 128 x 251 for 8 s.

Features of a whole corpus come from :func:`extract`, which reads a disk cache keyed by the feature
settings and each audio file's content, and computes what is missing in parallel with a progress bar.
Normalisation statistics are fitted on training data only (:class:`Standardizer`).

Notebook: ``book/01_data.ipynb``.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Literal

import numpy as np
import pandas as pd
import soundfile as sf

from ._native import check_opensmile_order
from .config import CLIP_SECONDS  # defined (with the other run defaults) in sercnn.config
from .datasets._manifest import SILENCE_PEAK
from .errors import AudioFileError, AudioFormatWarning, FeatureExtractionError
from .paths import cache_home

#: The paper's sample rate (section 3.5).
SAMPLE_RATE = 16000
#: Log-mel settings (section 3.5): "the FFT window length is 2048 and the hop length is 512".
N_FFT = 2048
HOP_LENGTH = 512
N_MELS = 128
#: Dynamic range kept below the loudest bin of each utterance (librosa's default for ``power_to_db``).
TOP_DB = 80.0

#: openSMILE functionals (:mod:`sercnn.baselines`): one vector per utterance, computed on the whole clip at
#: 16 kHz (not cut or padded: padding would change every statistic), with its length.
FUNCTIONALS = {"ComParE_2016": 6373, "eGeMAPSv02": 88}

FeatureKind = Literal["waveform", "logmel", "ComParE_2016", "eGeMAPSv02"]
Padding = Literal["end", "start"]


@dataclass(frozen=True)
class FeatureSettings:
    """Everything that decides a feature array; its :meth:`key` names the cache folder."""

    kind: FeatureKind = "logmel"
    sample_rate: int = SAMPLE_RATE
    seconds: float = CLIP_SECONDS
    pad: Padding = "end"
    n_fft: int = N_FFT
    hop_length: int = HOP_LENGTH
    n_mels: int = N_MELS
    top_db: float = TOP_DB
    version: int = 1  # bump when the computation changes
    trim_db: float | None = None  # cut each file to its sound first (see trim_to_sound); None: as recorded

    @property
    def cached(self) -> bool:
        """Only log-mel arrays are cached: an 8 s waveform is larger on disk than most source files and
        reading it back saves little over decoding and resampling again."""
        return self.kind != "waveform"

    def key(self) -> str:
        fields = asdict(self)
        if fields["trim_db"] is None:  # the key of every setting from before trimming existed stays the same
            del fields["trim_db"]
        text = json.dumps(fields, sort_keys=True)
        return f"{self.kind}-{hashlib.sha256(text.encode()).hexdigest()[:16]}"

    @property
    def shape(self) -> tuple[int, ...]:
        if self.kind in FUNCTIONALS:
            return (FUNCTIONALS[self.kind],)
        n = int(round(self.sample_rate * self.seconds))
        if self.kind == "waveform":
            return (n,)
        return (self.n_mels, 1 + n // self.hop_length)


def load_audio(
    path: str | Path, sr: int = SAMPLE_RATE, seconds: float = CLIP_SECONDS, pad: Padding = "end",
    trim_db: float | None = None,
) -> np.ndarray:
    """Read a file as mono float32 at ``sr`` Hz, cut or zero-padded to exactly ``sr * seconds`` samples.

    Longer clips keep their first ``seconds``; shorter ones get zeros after them (``pad="end"``) or
    before them (``pad="start"``), see :func:`fix_length`. With ``trim_db`` the clip is first cut to its sound
    (:func:`trim_to_sound`), so that the window starts where the sound does.

    Several channels are averaged and another sample rate is resampled (soxr, high quality), each with an
    :class:`AudioFormatWarning` naming the file. An unreadable, empty or all-silent file raises
    :class:`AudioFileError` naming the file and the problem.
    """
    y, notes = _read_clip(Path(path), sr, seconds, pad, trim_db)
    for note in notes:
        warnings.warn(f"{path}: {note}", AudioFormatWarning, stacklevel=2)
    return y


def load_unpadded(path: str | Path, sr: int | None = None) -> np.ndarray:
    """A file as the networks read it (mono float32, resampled to ``sr``, default 16 kHz) but neither cut nor
    padded: the whole clip, for figures and measurements. The conversions :func:`load_audio` warns about are
    made silently (the chapter explains them once); a bad file raises :class:`AudioFileError` as there.

    Notebook: ``book/01_data.ipynb``.
    """
    return _read_clip(Path(path), sr or SAMPLE_RATE, None)[0]


def trim_to_sound(y: np.ndarray, top_db: float) -> np.ndarray:
    """The part of ``y`` from the first to the last frame within ``top_db`` dB of its loudest frame
    (``librosa.effects.trim``, frames of :data:`N_FFT` samples, hop :data:`HOP_LENGTH`): leading and trailing
    silence cut off, whether it is zeros or room noise. The paper's corpora differ here: this EmoDB copy starts
    with the speech, RAVDESS clips with about a second of room noise (``book/01_data.ipynb``), so a window taken
    from the start of the file holds different parts of the utterance in each. Not in the paper (its window
    starts at the start of the file)."""
    import librosa

    trimmed, _ = librosa.effects.trim(y, top_db=top_db, frame_length=N_FFT, hop_length=HOP_LENGTH)
    return trimmed


def _read_clip(path: Path, sr: int, seconds: float | None, pad: Padding = "end",
               trim_db: float | None = None) -> tuple[np.ndarray, list[str]]:
    """:func:`load_audio` without the warnings: the clip and the conversions it needed (``seconds=None``:
    the whole clip, neither cut nor padded; ``trim_db``: first cut to its sound, :func:`trim_to_sound`)."""
    try:
        y, file_sr = sf.read(path, dtype="float32", always_2d=True)
    except Exception as exc:
        raise AudioFileError(path, f"not a readable audio file ({exc})") from exc
    if y.shape[0] == 0:
        raise AudioFileError(path, "empty: the file holds no samples")
    notes = []
    if y.shape[1] > 1:
        notes.append(f"{y.shape[1]} channels, averaged to mono")
    y = y.mean(axis=1) if y.shape[1] > 1 else y[:, 0]
    if not np.isfinite(y).all():
        raise AudioFileError(path, "holds NaN or infinite samples")
    if float(np.abs(y).max()) <= SILENCE_PEAK:
        raise AudioFileError(path, "all-silent: every sample is zero (or below one 16-bit step)")
    if file_sr != sr:
        import soxr

        notes.append(f"sample rate {file_sr} Hz, resampled to {sr} Hz")
        y = soxr.resample(y, file_sr, sr, quality="HQ").astype(np.float32, copy=False)
    if trim_db is not None:
        y = trim_to_sound(y, trim_db)
    if seconds is None:
        return y, notes
    return fix_length(y, int(round(sr * seconds)), pad), notes


def fix_length(y: np.ndarray, n: int, pad: Padding = "end") -> np.ndarray:
    """Keep the first ``n`` samples, or zero-pad to ``n`` (section 3.5: "If the audio clip is longer than
    8 s, it will be segmented to 8 s long. Otherwise, it is padded to 8 s long").

    The paper does not say on which side it pads. ``"end"`` puts the silence after the speech,
    ``"start"`` before it (the default of Keras' ``pad_sequences``), which matters to a network whose
    LSTM reads the clip in time order and keeps only its last state (see ``sercnn.experiment``).
    """
    if pad not in ("end", "start"):
        raise ValueError(f"pad must be 'end' or 'start', got {pad!r}")
    if len(y) >= n:
        return np.ascontiguousarray(y[:n], dtype=np.float32)
    out = np.zeros(n, dtype=np.float32)
    if pad == "end":
        out[: len(y)] = y
    else:
        out[n - len(y) :] = y
    return out


_MEL_BASIS: dict[tuple[int, int, int], np.ndarray] = {}


def _mel_basis(sr: int, n_fft: int, n_mels: int) -> np.ndarray:
    key = (sr, n_fft, n_mels)
    if key not in _MEL_BASIS:
        import librosa

        _MEL_BASIS[key] = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels).astype(np.float32)
    return _MEL_BASIS[key]


def log_mel(
    y: np.ndarray,
    sr: int = SAMPLE_RATE,
    n_fft: int = N_FFT,
    hop_length: int = HOP_LENGTH,
    n_mels: int = N_MELS,
    top_db: float = TOP_DB,
) -> np.ndarray:
    """Log-mel spectrogram in dB, shape ``(n_mels, 1 + len(y) // hop_length)``: 128 x 251 for 8 s at 16 kHz.

    Power mel spectrogram as ``librosa.feature.melspectrogram`` (Hann window, centred frames, zero
    padding at the edges), converted with ``librosa.power_to_db(ref=1.0, top_db=top_db)``. Frames that lie
    wholly in the zero padding after the clip are not transformed: they are exactly the floor value.
    """
    import librosa

    y = np.asarray(y, dtype=np.float32)
    n_frames = 1 + len(y) // hop_length
    nonzero = np.flatnonzero(y)
    last = int(nonzero[-1]) + 1 if len(nonzero) else 0
    # Frame t (centred) covers samples [t*hop - n_fft/2, t*hop + n_fft/2): frames beyond this see zeros only.
    n_active = min(n_frames, (last + n_fft // 2) // hop_length + 1)
    mel = np.zeros((n_mels, n_frames), dtype=np.float32)
    if n_active > 0:
        # The centred STFT of frames 0..n_active-1 reads samples up to (n_active-1)*hop + n_fft/2 only.
        segment = y[: min(len(y), (n_active - 1) * hop_length + n_fft // 2)]
        stft = librosa.stft(segment, n_fft=n_fft, hop_length=hop_length, center=True, pad_mode="constant")
        spec = np.abs(stft[:, :n_active])
        mel[:, :n_active] = _mel_basis(sr, n_fft, n_mels) @ (spec**2)
    return librosa.power_to_db(mel, ref=1.0, top_db=top_db).astype(np.float32)


_SMILE = threading.local()


def functionals(y: np.ndarray, sr: int, feature_set: str = "ComParE_2016") -> np.ndarray:
    """openSMILE's utterance-level functionals of a clip (``opensmile`` package): ComParE_2016 (6373 values,
    the ComParE 2016 challenge set) or eGeMAPSv02 (88, the Geneva minimalistic set), as float32.

    Notebook: ``book/07_results.ipynb``.
    """
    if feature_set not in FUNCTIONALS:
        raise ValueError(f"feature_set must be one of {sorted(FUNCTIONALS)}, got {feature_set!r}")
    check_opensmile_order()
    try:
        import opensmile
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ImportError('openSMILE features need the opensmile package: pip install "sercnn[baselines]"') from exc
    smiles = getattr(_SMILE, "by_set", None)
    if smiles is None:
        smiles = _SMILE.by_set = {}
    if feature_set not in smiles:  # one extractor per thread and feature set
        smiles[feature_set] = opensmile.Smile(
            feature_set=getattr(opensmile.FeatureSet, feature_set), feature_level=opensmile.FeatureLevel.Functionals
        )
    values = smiles[feature_set].process_signal(np.asarray(y, dtype=np.float32), sr).to_numpy()[0]
    return np.nan_to_num(values.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)


def compute(path: str | Path, settings: FeatureSettings) -> np.ndarray:
    """The feature array of one file under ``settings`` (warning about conversions as :func:`load_audio`)."""
    array, notes = _compute_quietly(Path(path), settings)
    for note in notes:
        warnings.warn(f"{path}: {note}", AudioFormatWarning, stacklevel=2)
    return array


def _compute_quietly(path: Path, settings: FeatureSettings) -> tuple[np.ndarray, list[str]]:
    if settings.kind in FUNCTIONALS:
        y, notes = _read_clip(path, settings.sample_rate, None)
        return functionals(y, settings.sample_rate, settings.kind), notes
    y, notes = _read_clip(path, settings.sample_rate, settings.seconds, settings.pad, settings.trim_db)
    if settings.kind == "waveform":
        return y, notes
    mel = log_mel(
        y,
        sr=settings.sample_rate,
        n_fft=settings.n_fft,
        hop_length=settings.hop_length,
        n_mels=settings.n_mels,
        top_db=settings.top_db,
    )
    return mel, notes


def file_digest(path: str | Path) -> str:
    """SHA-256 of a file's bytes: the content half of a cache key."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass
class ExtractionReport:
    """What :func:`extract` did: cache hits, computed files, and the conversions it warned about."""

    settings: FeatureSettings
    cache_dir: str
    hits: int = 0
    computed: int = 0
    seconds: float = 0.0
    conversions: dict[str, list[str]] = field(default_factory=dict)  # note -> the files it applies to
    digests: list[str] = field(default_factory=list)  # SHA-256 of each file, in input order

    def summary(self) -> str:
        conv = "; ".join(f"{len(files)} file(s): {note}" for note, files in self.conversions.items())
        text = (
            f"{self.settings.kind} features: {self.hits} from the cache, {self.computed} computed "
            f"in {self.seconds:.2f} s"
        )
        return text + (f" ({conv})" if conv else "")


def extract(
    paths: Iterable[str | Path] | pd.DataFrame,
    settings: FeatureSettings | FeatureKind = "logmel",
    *,
    cache_dir: str | Path | None = None,
    n_jobs: int | None = None,
    progress: bool = True,
    return_report: bool = False,
) -> np.ndarray | tuple[np.ndarray, ExtractionReport]:
    """Features for many files, stacked as ``(n_files, *settings.shape)`` float32, in the given order.

    Log-mel arrays are cached under ``cache_dir/settings.key()/<sha256 of the file>.npy``, so a second
    run over the same corpus reads instead of recomputing, and an edited file is recomputed. Missing
    arrays are computed in ``n_jobs`` threads (default: all cores) with a tqdm progress bar.
    Files that fail are reported together in one :class:`FeatureExtractionError`, after the others are
    cached. Resampling and downmixing are summarised in one :class:`AudioFormatWarning` that names the
    first files; the report lists them all.
    """
    import time

    t0 = time.perf_counter()
    if isinstance(settings, str):
        settings = FeatureSettings(kind=settings)
    if isinstance(paths, pd.DataFrame):
        paths = paths["path"].tolist()
    paths = [Path(p) for p in paths]
    folder = (Path(cache_dir) if cache_dir is not None else cache_home()) / settings.key()
    if settings.cached:
        folder.mkdir(parents=True, exist_ok=True)
        _write_settings(folder, settings)

    with ThreadPoolExecutor(max_workers=min(8, (os.cpu_count() or 1) * 2)) as pool:
        digests = list(pool.map(_digest_or_error, paths))
    out = np.empty((len(paths), *settings.shape), dtype=np.float32)
    failures: list[tuple[str, str]] = []
    todo: list[int] = []
    hits = 0
    for i, (path, digest) in enumerate(zip(paths, digests)):
        if isinstance(digest, AudioFileError):
            failures.append((str(path), digest.problem))
            continue
        cached = folder / f"{digest}.npy"
        if settings.cached and cached.exists():
            try:
                out[i] = np.load(cached)
                hits += 1
                continue
            except (ValueError, OSError, EOFError):
                cached.unlink(missing_ok=True)  # a damaged cache entry is recomputed
        todo.append(i)

    conversions: dict[str, list[str]] = {}
    if todo:
        results = _compute_many([paths[i] for i in todo], settings, n_jobs=n_jobs, progress=progress)
        for i, (array, notes, error) in zip(todo, results):
            if error is not None:
                failures.append((str(paths[i]), error))
                continue
            out[i] = array
            if settings.cached:
                _atomic_save(folder / f"{digests[i]}.npy", array)
            for note in notes:
                conversions.setdefault(note, []).append(str(paths[i]))
    if conversions:
        warnings.warn(
            "; ".join(
                f"{len(files)} file(s): {note} (e.g. {', '.join(files[:3])})" for note, files in conversions.items()
            ),
            AudioFormatWarning,
            stacklevel=2,
        )
    if failures:
        raise FeatureExtractionError(failures)
    report = ExtractionReport(
        settings=settings,
        cache_dir=str(folder) if settings.cached else "",
        hits=hits,
        computed=len(todo),
        seconds=time.perf_counter() - t0,
        conversions=conversions,
        digests=[str(d) for d in digests],
    )
    return (out, report) if return_report else out


def _digest_or_error(path: Path) -> str | AudioFileError:
    try:
        return file_digest(path)
    except OSError as exc:
        return AudioFileError(path, f"cannot be read ({exc.strerror or exc})")


def _compute_one(path: Path, settings: FeatureSettings) -> tuple[np.ndarray | None, list[str], str | None]:
    try:
        array, notes = _compute_quietly(path, settings)
    except AudioFileError as exc:
        return None, [], exc.problem
    return array, notes, None


def _compute_many(paths: list[Path], settings: FeatureSettings, *, n_jobs: int | None, progress: bool):
    from joblib import Parallel, delayed
    from tqdm.auto import tqdm

    n_jobs = n_jobs or os.cpu_count() or 1
    bar = tqdm(total=len(paths), desc=f"{settings.kind} features", unit="file", disable=not progress)
    if n_jobs == 1 or len(paths) < 8:
        results = []
        for p in paths:
            results.append(_compute_one(p, settings))
            bar.update()
    else:
        results = []
        # Threads, not processes: reading, resampling (soxr) and the FFTs release the GIL, and threads
        # start at once where worker processes would each pay librosa's import (about a second).
        # openSMILE is not thread-safe (two extractors in two threads corrupt the heap): processes.
        prefer = "processes" if settings.kind in FUNCTIONALS else "threads"
        parallel = Parallel(n_jobs=n_jobs, prefer=prefer, return_as="generator", batch_size=8)
        for r in parallel(delayed(_compute_one)(p, settings) for p in paths):
            results.append(r)
            bar.update()
    bar.close()
    return results


def _atomic_save(target: Path, array: np.ndarray) -> None:
    tmp = target.with_name(f".{target.stem}.{os.getpid()}.tmp.npy")
    np.save(tmp, array)
    os.replace(tmp, target)


def _write_settings(folder: Path, settings: FeatureSettings) -> None:
    marker = folder / "settings.json"
    if not marker.exists():
        tmp = folder / f".settings.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(asdict(settings), indent=2, sort_keys=True))
        os.replace(tmp, marker)


@dataclass
class Standardizer:
    """Zero mean, unit variance, with statistics fitted on training data only.

    For log-mel inputs ``(n, bands, frames)`` the statistics are per mel band (over utterances and frames);
    for waveforms ``(n, samples)`` one mean and one standard deviation.
    """

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, x: np.ndarray, per_feature: bool = False) -> "Standardizer":
        """Statistics of ``x``: per mel band for ``(n, bands, frames)``; for ``(n, d)`` one mean and sd
        (waveforms), or per column with ``per_feature`` (functionals)."""
        axes = (0, 2) if x.ndim == 3 else (0,) if per_feature else tuple(range(x.ndim))
        mean = x.mean(axis=axes, keepdims=True, dtype=np.float64)[0]
        std = x.std(axis=axes, keepdims=True, dtype=np.float64)[0]
        return cls(mean=mean.astype(np.float32), std=np.maximum(std, 1e-6).astype(np.float32))

    def transform(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.std).astype(np.float32, copy=False)

    def to_dict(self) -> dict:
        return {"mean": self.mean.ravel().tolist(), "std": self.std.ravel().tolist(), "shape": list(self.mean.shape)}

    @classmethod
    def from_dict(cls, d: dict) -> "Standardizer":
        shape = tuple(d["shape"])
        return cls(
            mean=np.asarray(d["mean"], np.float32).reshape(shape), std=np.asarray(d["std"], np.float32).reshape(shape)
        )


@dataclass
class SpeakerStandardizer:
    """Each speaker's features standardised with that speaker's own statistics (speaker normalisation; not
    in the paper). Per speaker as :class:`Standardizer`: per mel band for log-mel, per feature for
    functionals, one mean and standard deviation for waveforms. Labels are never used, but a test speaker's
    statistics come from that speaker's (unlabelled) test audio: records and tables say so.
    """

    per_speaker: dict[str, Standardizer]

    @classmethod
    def fit(cls, x: np.ndarray, speakers: np.ndarray, per_feature: bool = False) -> "SpeakerStandardizer":
        """``per_feature``: for ``(n, features)`` inputs (functionals), statistics per column instead of one
        mean and sd (waveforms)."""
        speakers = np.asarray(speakers).astype(str)
        return cls({s: Standardizer.fit(x[speakers == s], per_feature) for s in sorted(set(speakers.tolist()))})

    def transform(self, x: np.ndarray, speakers: np.ndarray) -> np.ndarray:
        speakers = np.asarray(speakers).astype(str)
        unknown = sorted(set(speakers.tolist()) - set(self.per_speaker))
        if unknown:
            raise ValueError(f"no statistics for speaker(s) {unknown}: fit on their audio first")
        out = np.empty(x.shape, dtype=np.float32)
        for s, scaler in self.per_speaker.items():
            mine = speakers == s
            if mine.any():
                out[mine] = scaler.transform(x[mine])
        return out

    def to_dict(self) -> dict:
        return {"mode": "speaker", "per_speaker": {s: sc.to_dict() for s, sc in self.per_speaker.items()}}

    @classmethod
    def from_dict(cls, d: dict) -> "SpeakerStandardizer":
        return cls({s: Standardizer.from_dict(v) for s, v in d["per_speaker"].items()})


def standardise(
    x: np.ndarray, fit_positions: np.ndarray, speakers: np.ndarray, mode: Literal["train", "speaker"] = "train",
    *, per_feature: bool = False,
) -> tuple[np.ndarray, Standardizer | SpeakerStandardizer]:
    """Standardised features of every utterance, and the fitted scaler.

    ``train``: one :class:`Standardizer` fitted on ``x[fit_positions]`` (the training utterances) and applied
    to all. ``speaker``: a :class:`SpeakerStandardizer`, each speaker with its own statistics over all of its
    utterances (``fit_positions`` unused), which removes a per-speaker offset or scale that the training
    fit leaves in place. ``per_feature``: ``(n, d)`` features standardised per column (functionals).
    """
    if mode == "train":
        scaler = Standardizer.fit(x[fit_positions], per_feature)
        return scaler.transform(x), scaler
    if mode == "speaker":
        scaler = SpeakerStandardizer.fit(x, speakers, per_feature)
        return scaler.transform(x, speakers), scaler
    raise ValueError(f"normalise must be 'train' or 'speaker', got {mode!r}")


def scaler_from_dict(d: dict) -> Standardizer | SpeakerStandardizer:
    """The scaler a run record stored (either kind)."""
    return SpeakerStandardizer.from_dict(d) if d.get("mode") == "speaker" else Standardizer.from_dict(d)
