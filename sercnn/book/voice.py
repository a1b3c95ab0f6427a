"""Try your own voice: a recording of any length, rate and channel count through a trained 2D network.

The reader's recording (the bytes of a WAV, FLAC, OGG or MP3 file) is read, downmixed and resampled by the
package's own reader (:func:`sercnn.features.load_audio`'s), cut to the model's window, turned into the
log-mel spectrogram the network was trained on (:func:`sercnn.features.log_mel`), standardised as the run
standardised its training data, and scored. :func:`occlusion_map` then asks which regions of the
spectrogram drove the decision: it blanks one patch at a time (sets it to 0, the band mean of the
standardised input) and measures how much the predicted class' probability drops. Only model calls and
``keras.ops`` are used, so it runs on every Keras backend.

Pure functions, no widgets: :func:`sercnn.book.widgets.own_voice` is the chapter's interface to them.

Notebook: ``book/05_2d_cnn_lstm.ipynb``.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..datasets._manifest import SILENCE_PEAK
from ..errors import AudioFileError, SercnnError
from ..features import (
    FeatureSettings,
    SpeakerStandardizer,
    Standardizer,
    _read_clip,
    fix_length,
    log_mel,
    scaler_from_dict,
)

#: The formats a reader may upload (libsndfile reads them all from memory; MP3 since libsndfile 1.1).
FORMATS = ("wav", "flac", "ogg", "mp3")
#: Uploads above this size are refused before decoding (a browser upload of a long WAV can be huge).
MAX_BYTES = 200 * 2**20
#: Default occlusion patch, (mel bands, frames): 16 bands x 8 frames (about 0.26 s at hop 512, 16 kHz).
PATCH = (16, 8)

Scaler = Standardizer | SpeakerStandardizer


class _NamedBytes(io.BytesIO):
    """An in-memory file whose ``str`` and ``repr`` are the uploaded file's name, so that the reader's
    error messages name the reader's file."""

    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self._name = name

    def __str__(self) -> str:
        return self._name

    __repr__ = __str__


def read_recording(
    data: bytes | bytearray | memoryview, name: str, settings: FeatureSettings | None = None
) -> tuple[np.ndarray, list[str]]:
    """An uploaded recording as mono float32 at ``settings.sample_rate`` (16 kHz), cut to the model's window
    (``settings.seconds``) but not padded, and the conversions it needed, in words.

    Several channels are averaged, another sample rate is resampled, and a recording longer than the window
    keeps its first ``settings.seconds``; each says so in the notes. Every problem raises
    :class:`~sercnn.errors.AudioFileError` naming ``name`` and the problem: no bytes, not audio that can be
    read, non-finite samples, silence (a peak at or below one 16-bit step, ``SILENCE_PEAK``), or fewer samples
    than one analysis frame (``settings.n_fft``). Nothing else is raised.

    Notebook: ``book/05_2d_cnn_lstm.ipynb``.
    """
    settings = settings or FeatureSettings()
    name = str(name or "the recording")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise AudioFileError(name, f"expected the file's bytes, got {type(data).__name__}")
    data = bytes(data)
    if not data:
        raise AudioFileError(name, "empty: the upload holds no bytes")
    if len(data) > MAX_BYTES:
        raise AudioFileError(name, f"{len(data) / 2**20:.0f} MiB is too large (at most {MAX_BYTES // 2**20} MiB): "
                                   "upload a shorter recording, or a compressed one (FLAC, OGG, MP3)")
    sr = settings.sample_rate
    try:
        y, notes = _read_clip(_NamedBytes(data, name), sr, None, trim_db=settings.trim_db)
        if settings.trim_db is not None:
            notes.append(f"cut to its sound (frames within {settings.trim_db:g} dB of its loudest), as the "
                         "model's run cut its training files")
    except AudioFileError as exc:
        problem = exc.problem
        if problem.startswith("not a readable audio file"):
            problem += "; upload a WAV, FLAC, OGG or MP3 recording"
        raise AudioFileError(name, problem) from exc
    except Exception as exc:  # a decoder or resampler failing on a damaged stream
        raise AudioFileError(name, f"could not be decoded ({type(exc).__name__}: {exc})") from exc
    seconds = len(y) / sr
    if len(y) < settings.n_fft:
        raise AudioFileError(
            name, f"too short: {1000 * seconds:.0f} ms at {sr} Hz, shorter than one analysis frame "
                  f"({settings.n_fft} samples, {1000 * settings.n_fft / sr:.0f} ms)")
    window = int(round(sr * settings.seconds))
    if len(y) > window:
        y = fix_length(y, window, settings.pad)
        notes.append(f"{seconds:.2f} s long: only its first {settings.seconds:g} s (the model's window) are used")
        if float(np.abs(y).max()) <= SILENCE_PEAK:
            raise AudioFileError(name, f"the first {settings.seconds:g} s, which the model reads, are silent: "
                                       "trim the silence before the speech")
    return np.ascontiguousarray(y, dtype=np.float32), notes


@dataclass
class VoiceModel:
    """A trained 2D network with what it needs to score a new recording: the standardiser of its run, its
    input settings and its class names (label order), and where it came from, in words.

    Notebook: ``book/05_2d_cnn_lstm.ipynb``.
    """

    model: Any  # keras.Model
    scaler: Scaler
    settings: FeatureSettings
    classes: list[str]
    source: str = "a trained model"


def settings_of(record: dict) -> FeatureSettings:
    """The input settings (window, padding, log-mel) of a run record's configuration; unknown keys (a record
    of another version of sercnn) are ignored, missing ones take today's defaults."""
    from ..experiment import RunConfig, feature_settings

    known = {f.name for f in fields(RunConfig)}
    try:
        cfg = RunConfig(**{k: v for k, v in record["config"].items() if k in known})
    except (KeyError, TypeError, ValueError) as exc:
        raise SercnnError(f"the run record's configuration cannot be used ({exc})") from exc
    if cfg.model != "2d":
        raise SercnnError(f"this is a run of the {cfg.model.upper()} network; trying a voice needs a run of the "
                          "2D network (log-mel input)")
    return feature_settings(cfg)


def from_record(model: Any, record: dict, source: str | None = None) -> VoiceModel:
    """A :class:`VoiceModel` from a trained model and its run record (``record.json`` or the dict that
    :func:`sercnn.experiment.run` returns): standardiser, settings and class names come from the record.

    Notebook: ``book/05_2d_cnn_lstm.ipynb``.
    """
    try:
        scaler = scaler_from_dict(record["standardizer"])
        classes = [str(c) for c in record["corpus"]["classes"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise SercnnError(f"the run record lacks its standardiser or class names ({exc})") from exc
    settings = settings_of(record)
    _check_model(model, settings, classes)
    return VoiceModel(model, scaler, settings, classes, source or f"run {record.get('run', '?')}")


def load_run(run_dir: str | Path) -> VoiceModel:
    """The trained network of a run directory (``model.keras``, loaded by :func:`sercnn.models.load_model`)
    with its record's standardiser, settings and class names (``record.json``). Raises
    :class:`~sercnn.errors.SercnnError` saying what is missing.

    Notebook: ``book/05_2d_cnn_lstm.ipynb``.
    """
    run_dir = Path(str(run_dir).strip()).expanduser()
    if not run_dir.is_dir():
        raise SercnnError(f"{run_dir}: no such run directory")
    record_path, model_path = run_dir / "record.json", run_dir / "model.keras"
    if not record_path.is_file():
        raise SercnnError(f"{run_dir}: no record.json here (is the run finished? `python -m sercnn train` writes "
                          "it at the end)")
    if not model_path.is_file():
        raise SercnnError(f"{run_dir}: no model.keras here (runs of sercnn save it when training ends)")
    try:
        record = json.loads(record_path.read_text())
    except (OSError, ValueError) as exc:
        raise SercnnError(f"{record_path}: not a readable run record ({exc})") from exc
    settings_of(record)  # refuse a 1D run before loading its model
    from ..models import load_model

    try:
        model = load_model(model_path)
    except Exception as exc:  # Keras raises ValueError, TypeError or OSError on a damaged or foreign file
        raise SercnnError(f"{model_path}: the model cannot be loaded ({type(exc).__name__}: {exc})") from exc
    return from_record(model, record, source=f"run {run_dir}")


def chapter_run_dir(record: dict, run_dir: str | Path | None = None) -> Path:
    """Where a chapter's run wrote its model: ``run_dir`` when the chapter was given one, else the scratch
    folder of :func:`sercnn.book.notebook.run_directory` that holds ``record['run']``.

    Notebook: ``book/05_2d_cnn_lstm.ipynb``.
    """
    if run_dir:
        return Path(run_dir)
    from .notebook import _scratch

    return _scratch() / record["run"]


def _check_model(model: Any, settings: FeatureSettings, classes: Sequence[str]) -> None:
    """Refuse a model whose input is not ``settings``' log-mel or whose output is not one unit per class."""
    expected = (*settings.shape, 1)
    shape = tuple(model.input_shape[1:])
    if shape != expected:
        raise SercnnError(f"the model reads inputs of shape {shape}, but these settings give {expected} "
                          f"({settings.seconds:g} s, {settings.n_mels} mel bands): use the settings of its run")
    units = model.output_shape[-1]
    if units != len(classes):
        raise SercnnError(f"the model has {units} outputs but {len(classes)} class names were given")


def _standardise(mel: np.ndarray, scaler: Scaler) -> tuple[np.ndarray, str]:
    """The standardised log-mel and how it was standardised, in words."""
    if isinstance(scaler, SpeakerStandardizer):
        own = Standardizer.fit(mel[None])
        return own.transform(mel[None])[0], (
            "the run standardised each speaker with that speaker's own statistics; a new voice has none in the "
            "run, so this recording is standardised with its own (per mel band, over its frames)")
    return scaler.transform(mel[None])[0], "standardised with the run's statistics of its training utterances"


def predict_voice(
    model: Any, scaler: Scaler | dict, y: np.ndarray, settings: FeatureSettings, classes: Sequence[str]
) -> dict:
    """Score a recording (mono, ``settings.sample_rate``, as :func:`read_recording` returns it) with a 2D
    network. Returns ``log_mel`` (dB, ``settings.shape``, the clip padded to the window as in training),
    ``input`` (standardised, the same shape), ``probabilities`` (one per class, in class order),
    ``by_class`` (class name -> probability), ``predicted`` (its name) and ``predicted_index``, the
    recording's length ``seconds``, the window's ``window_seconds``, and ``notes``.

    ``scaler``: the run's :class:`~sercnn.features.Standardizer`, or a
    :class:`~sercnn.features.SpeakerStandardizer`, in which case the new voice is standardised with its own
    statistics (and a note says so); a record's ``standardizer`` dict is accepted too.

    Notebook: ``book/05_2d_cnn_lstm.ipynb``.
    """
    import keras

    if isinstance(scaler, dict):
        scaler = scaler_from_dict(scaler)
    classes = [str(c) for c in classes]
    _check_model(model, settings, classes)
    y = np.asarray(y, dtype=np.float32)
    clip = fix_length(y, int(round(settings.sample_rate * settings.seconds)), settings.pad)
    mel = log_mel(clip, sr=settings.sample_rate, n_fft=settings.n_fft, hop_length=settings.hop_length,
                  n_mels=settings.n_mels, top_db=settings.top_db)
    x, how = _standardise(mel, scaler)
    probs = keras.ops.convert_to_numpy(model(x[None, ..., None], training=False))[0].astype(np.float64)
    best = int(np.argmax(probs))
    return {
        "log_mel": mel,
        "input": x,
        "probabilities": probs,
        "by_class": dict(zip(classes, probs.tolist())),
        "classes": classes,
        "predicted": classes[best],
        "predicted_index": best,
        "seconds": min(len(y), len(clip)) / settings.sample_rate,
        "window_seconds": settings.seconds,
        "pad": settings.pad,
        "sample_rate": settings.sample_rate,
        "hop_length": settings.hop_length,
        "notes": [how],
    }


def occlusion_map(
    model: Any,
    x: np.ndarray,
    target_class: int,
    patch: tuple[int, int] = PATCH,
    stride: tuple[int, int] | None = None,
    *,
    batch_size: int = 32,
    fill: float = 0.0,
) -> np.ndarray:
    """Occlusion sensitivity (Zeiler & Fergus 2014) of a 2D network's decision, shape ``(bands, frames)``.

    ``x``: one standardised input, ``(bands, frames)``, ``(bands, frames, 1)`` or ``(1, bands, frames, 1)``.
    Each patch of ``patch`` = (mel bands, frames), placed every ``stride`` (default: ``patch``, no overlap;
    patches of the last row and column are clipped at the edges; a stride above the patch leaves gaps, which
    stay 0), is set to ``fill`` (0: the band mean of a
    standardised input) and the probability of ``target_class`` (the true or the predicted class) is
    measured again, the occluded copies in batches of ``batch_size`` through ``model(x)``. Each cell of the
    map is the mean drop, ``p(original) - p(occluded)``, over the patches that cover it: positive where the
    region supported the class, negative where it argued against it, 0 where the network does not look.
    Only model calls and ``keras.ops`` touch the model, so every Keras backend computes it.

    Notebook: ``book/05_2d_cnn_lstm.ipynb``.
    """
    import keras

    x = np.asarray(x, dtype=np.float32)
    x = x.reshape(x.shape[-3:-1] if x.ndim == 4 else x.shape[:2])
    bands, frames = x.shape
    ph, pw = min(int(patch[0]), bands), min(int(patch[1]), frames)
    sh, sw = (ph, pw) if stride is None else (int(stride[0]), int(stride[1]))
    if min(ph, pw, sh, sw) < 1:
        raise ValueError(f"patch and stride must be positive, got patch={patch}, stride={stride}")
    boxes = [(r, c) for r in range(0, bands, sh) for c in range(0, frames, sw)]

    def probability(batch: np.ndarray) -> np.ndarray:
        out = model(keras.ops.convert_to_tensor(batch[..., None]), training=False)
        return keras.ops.convert_to_numpy(out[:, target_class]).astype(np.float64)

    reference = float(probability(x[None])[0])
    drops = np.zeros(len(boxes))
    for start in range(0, len(boxes), batch_size):
        chunk = boxes[start : start + batch_size]
        batch = np.repeat(x[None], len(chunk), axis=0)
        for i, (r, c) in enumerate(chunk):
            batch[i, r : r + ph, c : c + pw] = fill
        drops[start : start + len(chunk)] = reference - probability(batch)
    total = np.zeros((bands, frames))
    count = np.zeros((bands, frames))
    for (r, c), drop in zip(boxes, drops):
        total[r : r + ph, c : c + pw] += drop
        count[r : r + ph, c : c + pw] += 1
    return (total / np.maximum(count, 1)).astype(np.float32)


def analyse(
    data: bytes | bytearray | memoryview,
    name: str,
    voice: VoiceModel,
    *,
    patch: tuple[int, int] | None = PATCH,
    stride: tuple[int, int] | None = None,
) -> dict:
    """The whole pipeline on one uploaded file: :func:`read_recording`, :func:`predict_voice` and, unless
    ``patch`` is None, the :func:`occlusion_map` of the predicted class (``occlusion``). The result also
    holds the file's ``name``, the model's ``source`` and every note (conversions first). Raises
    :class:`~sercnn.errors.SercnnError` subclasses only, with a message for the reader.

    Notebook: ``book/05_2d_cnn_lstm.ipynb``.
    """
    y, notes = read_recording(data, name, voice.settings)
    result = predict_voice(voice.model, voice.scaler, y, voice.settings, voice.classes)
    result["notes"] = notes + result["notes"]
    result["name"] = name
    result["source"] = voice.source
    if patch is not None:
        result["occlusion"] = occlusion_map(voice.model, result["input"], result["predicted_index"], patch, stride)
        result["patch"] = tuple(patch)
    return result
