"""One experiment from corpus to run record: the pipeline of design.md, run by the command line and the book.

    corpus -> manifest -> features (cached) -> split -> validation set -> standardise (fit on training
    data) -> model (Table 1 or 2) -> train (early stopping) -> evaluate (test, whole database) -> record.json

Two model-selection modes, named plainly:

- ``held-out``: early stopping and the choice of the best epoch look at a validation set carved from the
  training speakers' utterances; the test set is used once, at the end. This is the honest estimate.
- ``paper``: they look at the test set itself, as the paper did (section 4.1: "When validation accuracy
  reaches its maximum ... the best predictive model will be there", with the test data as validation
  data). The figure it gives is optimistic: the test set chose the model.

Notebooks: ``book/04_1d_cnn_lstm.ipynb``, ``book/05_2d_cnn_lstm.ipynb``.
"""

from __future__ import annotations

import shlex
import sys
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Literal

import numpy as np
import pandas as pd

from . import records, splits
from .datasets import class_names, describe, labels, load_corpus
from .errors import AudioFormatWarning, CorruptArchiveError, DatasetNotFoundError
from .features import FeatureSettings, Standardizer, extract

SplitKind = Literal["speaker-dependent", "speaker-independent", "loso"]
Selection = Literal["held-out", "paper"]


@dataclass
class RunConfig:
    """Everything that decides a run; stored whole in its record. Defaults: see ``sercnn.training``."""

    corpus: str = "emodb"  # emodb | iemocap | synthetic | auto (EmoDB, else synthetic)
    data_root: str | None = None
    model: Literal["1d", "2d"] = "2d"
    split: SplitKind = "speaker-independent"
    test_speakers: list[str] | None = None
    fold: str | None = None  # loso: the test speaker
    selection: Selection = "held-out"
    val_by: Literal["utterance", "speaker"] = "utterance"
    val_size: float = splits.VALIDATION_SIZE
    epochs: int = 100
    batch_size: int = 16
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    patience: int = 8
    start_from_epoch: int = 10
    bn_momentum: float = 0.9
    l2_weight: float = 0.0
    l2_activity: float = 0.0
    dropout: float = 0.0
    precision: Literal["float32", "mixed_bfloat16"] = "float32"
    seed: int = 0
    max_per_speaker_class: int | None = None  # a small stratified subset, for quick runs
    n_jobs: int | None = None

    def __post_init__(self) -> None:
        from .training import OPTIMIZERS

        if self.corpus not in ("emodb", "iemocap", "synthetic", "auto"):
            raise ValueError(f"unknown corpus {self.corpus!r}")
        if self.model not in ("1d", "2d"):
            raise ValueError(f"model must be '1d' or '2d', got {self.model!r}")
        if self.split not in ("speaker-dependent", "speaker-independent", "loso"):
            raise ValueError(f"unknown split {self.split!r}")
        if self.selection not in ("held-out", "paper"):
            raise ValueError(f"selection must be 'held-out' or 'paper', got {self.selection!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {self.optimizer!r}")
        if self.precision not in ("float32", "mixed_bfloat16"):
            raise ValueError(f"precision must be 'float32' or 'mixed_bfloat16', got {self.precision!r}")
        if self.split == "loso" and self.fold is None:
            raise ValueError("a loso run needs fold= (the test speaker)")


def resolve_corpus(name: str, root: str | None = None) -> pd.DataFrame:
    """Load a corpus; ``auto`` means EmoDB where it can be had (local, ``SERCNN_DATA`` or download), else
    the synthetic corpus, with a warning that says so (and every output names the corpus used)."""
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
    """At most ``per_speaker_class`` utterances of each (speaker, emotion): a small balanced corpus."""
    shuffled = df.sample(frac=1.0, random_state=seed)
    picked = shuffled.groupby(["speaker", "emotion"], observed=True).head(per_speaker_class)
    out = df.loc[sorted(picked.index)].reset_index(drop=True)
    out.attrs = dict(df.attrs)
    out.attrs["subset"] = f"at most {per_speaker_class} utterances per speaker and emotion (seed {seed})"
    return out


def make_split(df: pd.DataFrame, cfg: RunConfig) -> tuple[np.ndarray, np.ndarray]:
    """``(train, test)`` positions for the configured protocol."""
    if cfg.split == "speaker-dependent":
        return splits.speaker_dependent(df, cfg.seed)
    if cfg.split == "speaker-independent":
        return splits.speaker_independent(df, cfg.seed, cfg.test_speakers)
    folds = dict(zip(sorted(df["speaker"].astype(str).unique()), splits.leave_one_speaker_out(df)))
    if str(cfg.fold) not in folds:
        raise ValueError(f"fold {cfg.fold!r} is not a speaker of the corpus ({sorted(folds)})")
    return folds[str(cfg.fold)]


def utterance_ids(df: pd.DataFrame, positions: np.ndarray) -> list[str]:
    """Stable names of utterances (the ``utterance`` column, else the file stem) for the record."""
    col = df["utterance"] if "utterance" in df else df["path"].map(lambda p: Path(p).stem)
    return col.iloc[positions].astype(str).tolist()


def build_model(cfg: RunConfig, n_classes: int, input_shape: tuple[int, ...]):
    """The configured network (Table 1 or Table 2), seeded."""
    import keras

    from .models import build_1d_cnn_lstm, build_2d_cnn_lstm

    keras.utils.set_random_seed(cfg.seed)
    kwargs = dict(
        bn_momentum=cfg.bn_momentum,
        l2_weight=cfg.l2_weight,
        l2_activity=cfg.l2_activity,
        dropout=cfg.dropout,
        dtype=None if cfg.precision == "float32" else cfg.precision,
    )
    if cfg.model == "1d":
        return build_1d_cnn_lstm(n_classes, input_length=input_shape[0], **kwargs)
    return build_2d_cnn_lstm(n_classes, input_shape=(*input_shape, 1), **kwargs)


def feature_settings(cfg: RunConfig) -> FeatureSettings:
    return FeatureSettings(kind="waveform" if cfg.model == "1d" else "logmel")


def run(
    cfg: RunConfig,
    run_dir: str | Path,
    *,
    command: str | None = None,
    progress: bool = True,
    on_epoch_end: Callable[[int, dict], None] | None = None,
    df: pd.DataFrame | None = None,
) -> dict:
    """Run one experiment into ``run_dir`` and return its record (also written to ``run_dir/record.json``).

    Re-running into the same ``run_dir`` resumes an interrupted run from its last finished epoch.
    """
    from .evaluation import evaluate
    from .training import train

    t_total = time.perf_counter()
    git = records.git_commit()  # the code as it is when the run starts
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}

    t0 = time.perf_counter()
    if df is None:
        df = resolve_corpus(cfg.corpus, cfg.data_root)
    if cfg.max_per_speaker_class:
        df = subset(df, cfg.max_per_speaker_class, cfg.seed)
    fingerprint = records.data_fingerprint(df)
    timings["manifest_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    settings = feature_settings(cfg)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AudioFormatWarning)  # summarised in the record instead
        x, report = extract(df, settings, n_jobs=cfg.n_jobs, progress=progress, return_report=True)
    timings["features_s"] = time.perf_counter() - t0
    y = labels(df)
    names = class_names(df)

    train_pos, test_pos = make_split(df, cfg)
    if cfg.selection == "held-out":
        fit_pos, val_pos = splits.validation_split(df, train_pos, cfg.seed, by=cfg.val_by, size=cfg.val_size)
        monitored = (
            f"validation set: {len(val_pos)} utterances carved from the training speakers "
            f"(by {cfg.val_by}); the test set is used once, after training"
        )
    else:
        fit_pos, val_pos = train_pos, test_pos
        monitored = "the test set itself, as the paper did: the reported test figure is optimistic"

    scaler = Standardizer.fit(x[fit_pos])
    xs = scaler.transform(x)
    del x

    model = build_model(cfg, len(names), settings.shape)
    t0 = time.perf_counter()
    result = train(
        model,
        xs[fit_pos],
        y[fit_pos],
        xs[val_pos],
        y[val_pos],
        run_dir=run_dir,
        epochs=cfg.epochs,
        batch_size=cfg.batch_size,
        optimizer=cfg.optimizer,
        learning_rate=cfg.learning_rate,
        patience=cfg.patience,
        start_from_epoch=cfg.start_from_epoch,
        seed=cfg.seed,
        progress=progress,
        on_epoch_end=on_epoch_end,
    )
    timings["training_s"] = time.perf_counter() - t0
    model = result.model
    model.save(run_dir / "model.keras")

    t0 = time.perf_counter()
    xin = xs[..., None]
    test_metrics = evaluate(model, xin[test_pos], y[test_pos], names)
    whole = evaluate(model, xin, y, names)
    val_metrics = evaluate(model, xin[val_pos], y[val_pos], names)
    timings["evaluation_s"] = time.perf_counter() - t0
    timings["total_s"] = time.perf_counter() - t_total

    from .models import layer_table
    from .paper import reference

    protocol = {"loso": "leave-one-speaker-out"}.get(cfg.split, cfg.split)
    record = {
        "run": run_dir.name,
        "created": records.now(),
        "command": command if command is not None else shlex.join([Path(sys.executable).name, *sys.argv]),
        "git": git,
        "config": asdict(cfg),
        "corpus": {
            "name": df.attrs.get("corpus", cfg.corpus),
            "requested": cfg.corpus,
            "description": describe(df),
            "source": df.attrs.get("source"),
            "root": df.attrs.get("root"),
            "subset": df.attrs.get("subset"),
            "n_utterances": len(df),
            "n_speakers": int(df["speaker"].nunique()),
            "classes": names,
            "class_sizes": {c: int(n) for c, n in df["emotion"].value_counts(sort=False).items()},
            "skipped": df.attrs.get("skipped", []),
            "fingerprint": fingerprint,
        },
        "features": {
            "settings": asdict(settings),
            "shape": list(settings.shape),
            "extraction": report.summary(),
            "standardizer": "per mel band" if settings.kind == "logmel" else "one mean and std",
        },
        "split": {
            "protocol": protocol,
            "seed": cfg.seed,
            **splits.describe(df, train_pos, test_pos),
            "n_fit": int(len(fit_pos)),
            "n_validation": int(len(val_pos)),
            "validation_speakers": splits.speakers_of(df, val_pos),
            "test_utterances": utterance_ids(df, test_pos),
            "validation_utterances": utterance_ids(df, val_pos),
        },
        "selection": {"mode": cfg.selection, "monitored": monitored},
        "model": {
            "name": model.name,
            "parameters": int(model.count_params()),
            "layers": [[n, c, list(s)] for n, c, s in layer_table(model)],
        },
        "environment": {**records.hardware(), "versions": records.backend_versions()},
        "timings": {k: round(v, 2) for k, v in timings.items()},
        "training": result.summary(),
        "history": {**result.history, "epoch_seconds": _epoch_seconds(run_dir)},
        "metrics": {
            "test": _without_predictions(test_metrics),
            "validation": _without_predictions(val_metrics),
            "whole_database": {
                **_without_predictions(whole),
                "note": "every utterance, training ones included (the form of the paper's Tables 3-6); "
                "not a held-out estimate",
            },
        },
        "test_predictions": test_metrics["predictions"],
        "paper": {"protocol": protocol, **reference(cfg.corpus, protocol, cfg.model)},
        "standardizer": scaler.to_dict(),
    }
    records.write_record(run_dir, record)
    return record


def _without_predictions(m: dict) -> dict:
    return {k: v for k, v in m.items() if k != "predictions"}


def _epoch_seconds(run_dir: Path) -> list:
    import json

    state = run_dir / "checkpoint" / "state.json"
    return json.loads(state.read_text()).get("epoch_seconds", []) if state.exists() else []


def evaluate_run(run_dir: str | Path, *, progress: bool = True) -> dict:
    """Re-score a finished run's saved model on its own test utterances, from its record alone.

    Returns the recomputed test metrics, with ``matches_record`` telling whether they equal the recorded
    ones and ``data_changed`` whether the corpus' fingerprint differs from the record's.
    """
    from .evaluation import evaluate
    from .models import load_model

    run_dir = Path(run_dir)
    record = records.load_record(run_dir)
    model_path = run_dir / "model.keras"
    if not model_path.exists():
        raise FileNotFoundError(f"{model_path}: the run has no saved model (interrupted before it finished?)")
    cfg = RunConfig(**{k: v for k, v in record["config"].items()})
    df = load_corpus(record["corpus"]["name"], cfg.data_root)
    if cfg.max_per_speaker_class:
        df = subset(df, cfg.max_per_speaker_class, cfg.seed)
    ids = pd.Series(utterance_ids(df, np.arange(len(df))))
    wanted = record["split"]["test_utterances"]
    missing = sorted(set(wanted) - set(ids))
    if missing:
        raise ValueError(
            f"{run_dir}: {len(missing)} test utterance(s) of the record are not in the corpus now "
            f"(e.g. {missing[:3]})"
        )
    pos = ids.reset_index().set_index(0).loc[wanted, "index"].to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AudioFormatWarning)
        x = extract(df.iloc[pos], feature_settings(cfg), n_jobs=cfg.n_jobs, progress=progress)
    scaler = Standardizer.from_dict(record["standardizer"])
    model = load_model(model_path)
    result = _without_predictions(
        evaluate(model, scaler.transform(x)[..., None], labels(df)[pos], class_names(df))
    )
    recorded = record["metrics"]["test"]
    result["matches_record"] = bool(
        np.isclose(result["accuracy"], recorded["accuracy"]) and result["confusion"] == recorded["confusion"]
    )
    result["data_changed"] = records.data_fingerprint(df) != record["corpus"]["fingerprint"]
    return result
