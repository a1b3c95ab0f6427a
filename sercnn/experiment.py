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

import json
import time
import warnings
from dataclasses import asdict
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from . import devices, records, splits, training
from .commands import config_command
from .config import RunConfig
from .datasets import class_names, labels, load_corpus, run_corpus, subset, utterance_ids
from .errors import AudioFormatWarning
from .features import FeatureSettings, SpeakerStandardizer, extract, scaler_from_dict


def build_model(cfg: RunConfig, n_classes: int, input_shape: tuple[int, ...], precision: str | None = None):
    """The configured network (Table 1 or Table 2), seeded, computing in ``precision`` (default: the
    configured one where the device has it, see :func:`sercnn.devices.precision_for`)."""
    import keras

    from .models import build_1d_cnn_lstm, build_2d_cnn_lstm

    precision = precision or devices.precision_for(cfg.precision).used
    keras.utils.set_random_seed(cfg.effective_model_seed)
    kwargs = dict(
        bn_momentum=cfg.bn_momentum,
        l2_weight=cfg.l2_weight,
        l2_activity=cfg.l2_activity,
        dropout=cfg.dropout,
        dtype=None if precision == "float32" else precision,
    )
    if cfg.model == "1d":
        return build_1d_cnn_lstm(n_classes, input_length=input_shape[0], **kwargs)
    if cfg.pools is not None:
        kwargs["pools"] = [tuple(p) for p in cfg.pools]
    return build_2d_cnn_lstm(n_classes, input_shape=(*input_shape, 1), augment=cfg.augment,
                             seed=cfg.effective_model_seed, **kwargs)


#: Where each network's input gets its zero padding (the paper does not say). 2D: after the speech, because
#: Table 2's pooling keeps only the first 128 of the 251 frames (about 4.1 s; 2P1-2P4 round down; the
#: convolutions reach frame 170, about 5.5 s: ``geometry.receptive_fields``), so
#: padding before a short clip would push it out of what the network sees. 1D: before the speech, because
#: the LSTM 1L reads 500 steps in time order and only its last state reaches the classifier: after a 2 s
#: clip padded at the end it has read 375 steps of silence, which drive it to the same state whatever came
#: before. Measured on test speakers 03+08: padded at the end, the 1D network predicted the majority class
#: for every utterance (24 % accuracy, UAR 14 %; ``results/emodb-1d-si-heldout-pad-end/``); padded at the
#: start it learned (53 %, UAR 46 %; ``results/emodb-1d-si-heldout/``).
PADDING = {"1d": "start", "2d": "end"}


#: Input windows shorter than the paper's 8 s used by the protocol runs under ``results/protocols`` for speed
#: (``--seconds``; the default stays the paper's 8 s). They are not equivalent to 8 s. 2D: 4.064 s = 128
#: log-mel frames, the frames whose pooled values reach Table 2's single LSTM step (2P1-2P4 divide time by 128,
#: rounding down); but at 8 s the convolutions of 2LFLB4 still read frames up to 170 at the edge of that step,
#: and the per-band standardiser is fitted over a different share of padding (on this 2 s copy 75.0 % of an 8 s
#: window is zeros, 50.9 % of a 4.064 s one), so the standardised inputs differ. It halves the work of every
#: layer. 1D: the clips' own length where they are all equal, 2.0 s on the shared EmoDB copy, so the LSTM 1L
#: reads 125 steps of speech instead of 375 of zeros and 125 of speech; on the original archive (1.2-9 s) keep
#: 8. Paired against 8 s on the five SI pairs, one seed each, the 2D window's effect is within noise
#: (``book/07_results.ipynb``); the ladder (``sercnn.recipes``) measures input length with seeds.
WINDOW_SECONDS = {"2d": 4.064, "1d": 2.0}


def feature_settings(cfg: RunConfig) -> FeatureSettings:
    """The network's input: raw audio (1D) or log-mel (2D), padded on the side of :data:`PADDING`."""
    return FeatureSettings(kind="waveform" if cfg.model == "1d" else "logmel", pad=cfg.pad or PADDING[cfg.model],
                           seconds=cfg.seconds, trim_db=cfg.trim_db)


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

    ``run_dir/run.json`` keeps the configuration, the command and the commit of the first start, and one
    entry per resume. Re-running the same configuration into the same ``run_dir`` resumes an interrupted
    run from its last finished epoch; a checkpoint of another configuration, other data or another split
    is refused (see :func:`sercnn.training.train`).
    """
    from .evaluation import predict
    from .features import standardise

    t_total = time.perf_counter()
    run_dir = Path(run_dir)
    start = {"command": command or config_command(cfg),
             "git": records.git_commit(), "at": records.now()}
    info = start_run(run_dir, cfg, start)
    timings: dict[str, float] = {}

    t0 = time.perf_counter()
    if df is None:
        df = run_corpus(cfg)
    if cfg.max_per_speaker_class:
        df = subset(df, cfg.max_per_speaker_class, cfg.seed)
    corpus = df.attrs.get("corpus", cfg.corpus)
    timings["manifest_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    settings = feature_settings(cfg)
    x, report = extract(df, settings, n_jobs=cfg.n_jobs, progress=progress, return_report=True)
    fingerprint = records.data_fingerprint(df, report.digests)
    timings["features_s"] = time.perf_counter() - t0
    y = labels(df)
    names = class_names(df)

    train_pos, test_pos = splits.make_split(df, cfg)
    if cfg.selection == "held-out":
        fit_pos, val_pos = splits.validation_split(df, train_pos, cfg.effective_model_seed, by=cfg.val_by,
                                                   size=cfg.val_size)
    else:
        fit_pos, val_pos = train_pos, test_pos  # the paper's selection: the epoch is chosen on the test set

    xs, scaler = standardise(x, fit_pos, df["speaker"].astype(str).to_numpy(), cfg.normalise)
    del x

    precision = devices.precision_for(cfg.precision)  # a precision the device lacks: one it has, said
    model = build_model(cfg, len(names), settings.shape, precision.used)
    identity = {
        "config": {k: v for k, v in asdict(cfg).items() if k != "n_jobs"},
        "corpus": corpus,
        "data": fingerprint,
        "split": _ids_digest(df, fit_pos, val_pos, test_pos),
    }
    t0 = time.perf_counter()
    result = training.train(
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
        seed=cfg.effective_model_seed,
        mixup=cfg.mixup,
        identity=identity,
        progress=progress,
        on_epoch_end=on_epoch_end,
    )
    timings["training_s"] = time.perf_counter() - t0
    model = result.model
    model.save(run_dir / "model.keras")

    t0 = time.perf_counter()
    probabilities = predict(model, xs[..., None])  # every utterance once; each scope a subset
    timings["evaluation_s"] = time.perf_counter() - t0
    timings["total_s"] = time.perf_counter() - t_total

    record = records.network_record(
        run_dir.name, info["started"], info["resumes"], cfg, df, fingerprint=fingerprint, settings=settings,
        report=report, scaler=scaler, parts=records.Positions(train_pos, test_pos, fit_pos, val_pos), model=model,
        result=result, timings=timings, probabilities=probabilities, notes=[precision.note] if precision.note else (),
    )
    records.write_record(run_dir, record)
    return record


RUN_FILE = "run.json"


def start_run(run_dir: Path, cfg: RunConfig, start: dict) -> dict:
    """Create or reopen ``run_dir/run.json``: the configuration and the first start, plus each resume."""
    path = run_dir / RUN_FILE
    if path.exists():
        info = json.loads(path.read_text())
        if info["config"] != json.loads(json.dumps(asdict(cfg))):
            raise ValueError(f"{run_dir} holds a run of another configuration; use a new run directory")
        info["resumes"].append(start)
    else:
        info = {"config": asdict(cfg), "started": start, "resumes": []}
    records.write_json(path, info)
    return info


def load_config(run_dir: str | Path) -> RunConfig:
    """The configuration a run directory was started with (for resuming it)."""
    path = Path(run_dir) / RUN_FILE
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: not a run directory made by sercnn")
    return RunConfig(**json.loads(path.read_text())["config"])


def _ids_digest(df: pd.DataFrame, *position_sets: np.ndarray) -> str:
    """A short fingerprint of which utterances are in each part of a split."""
    import hashlib

    text = "|".join(",".join(utterance_ids(df, np.sort(p))) for p in position_sets)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def evaluate_run(run_dir: str | Path, *, progress: bool = True) -> dict:
    """Re-score a finished run's saved model on its own test utterances, from its record alone.

    Returns the recomputed test metrics, with ``matches_record`` telling whether they equal the recorded
    ones and ``data_changed`` whether the corpus' fingerprint differs from the record's.
    """
    from .evaluation import metrics, predict
    from .models import load_model

    run_dir = Path(run_dir)
    record = records.load_record(run_dir)
    model_path = run_dir / "model.keras"
    if not model_path.exists():
        raise FileNotFoundError(f"{model_path}: the run has no saved model (interrupted before it finished?)")
    cfg = RunConfig(**{k: v for k, v in record["config"].items()})
    df = run_corpus(cfg) if cfg.test_corpus else load_corpus(record["corpus"]["name"], cfg.data_root)
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
    scaler = scaler_from_dict(record["standardizer"])
    if isinstance(scaler, SpeakerStandardizer):
        xs = scaler.transform(x, df["speaker"].astype(str).to_numpy()[pos])
    else:
        xs = scaler.transform(x)
    model = load_model(model_path)
    predicted = predict(model, xs[..., None]).argmax(axis=1)
    result = metrics(labels(df)[pos], predicted, class_names(df))
    recorded = record["metrics"]["test"]
    result["matches_record"] = bool(
        np.isclose(result["accuracy"], recorded["accuracy"]) and result["confusion"] == recorded["confusion"]
    )
    result["data_changed"] = records.data_fingerprint(df) != record["corpus"]["fingerprint"]
    return result


def run_variants(
    cfg: RunConfig,
    variants: dict,
    run_dir: Callable[[object], str | Path],
    *,
    base_record: dict | None = None,
    **run_kwargs,
) -> dict:
    """The run of ``cfg`` once per entry of ``variants`` (a label, and the configuration fields it changes:
    ``{0.99: {"bn_momentum": 0.99}}``), each into its own ``run_dir(label)``. A variant that changes nothing is
    ``base_record``, the run of ``cfg`` itself where the caller has it, rather than a second identical run.
    ``run_kwargs`` (``command``, ``progress``, ``df`` ...) go to every :func:`run`. Returns ``{label: record}``
    in the order of ``variants``.

    Notebook: ``book/05_2d_cnn_lstm.ipynb`` (the BatchNorm pitfall: one short run per momentum).
    """
    from dataclasses import replace

    records_by_label = {}
    for label, changes in variants.items():
        variant = replace(cfg, **changes)
        if base_record is not None and variant == cfg:
            records_by_label[label] = base_record
        else:
            records_by_label[label] = run(variant, run_dir(label), **run_kwargs)
    return records_by_label
