"""Training with the paper's early stopping (section 4.1), checkpoints every epoch, and resume.

"validation accuracy is monitored in our experiments, patience is set to eight" (section 4.1); the model
kept is the one of the best validation epoch ("only the best predictive and fitted models are recorded").
What "validation" means is the caller's choice of model-selection mode (see ``sercnn.experiment``):
``paper`` monitors the test set, as the paper did; ``held-out`` monitors a validation set carved from the
training speakers, so that the test set is touched once.

After every epoch the model (with its optimizer state), the best weights so far and the early-stopping
state are written to ``run_dir/checkpoint``; a run that is interrupted resumes from its last finished
epoch, with the same shuffling order it would have had.

Notebooks: ``book/04_1d_cnn_lstm.ipynb``, ``book/05_2d_cnn_lstm.ipynb``.
"""

from __future__ import annotations

import json
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import keras
import numpy as np

from .config import (  # noqa: F401  (training.PATIENCE etc.: the defaults, defined in sercnn.config)
    BATCH_SIZE,
    LEARNING_RATE,
    MAX_EPOCHS,
    OPTIMIZER,
    OPTIMIZERS,
    PATIENCE,
    START_FROM_EPOCH,
)
from .models import load_model
from .records import write_json

CHECKPOINT_DIR = "checkpoint"


def early_stop(val_accuracy: list[float], patience: int = PATIENCE,
               start_from_epoch: int = START_FROM_EPOCH) -> tuple[int, int]:
    """``(stop_epoch, best_epoch)`` (1-based) of :func:`train`'s early-stopping rule on a history of
    validation accuracies: the best epoch is the first with the highest value; an epoch that does not
    improve counts against ``patience`` only after ``start_from_epoch``; the run stops when the count
    reaches ``patience``, else at the end of the history.

    Notebook: ``book/05_2d_cnn_lstm.ipynb``.
    """
    best, best_epoch, wait = -np.inf, 0, 0
    for epoch, value in enumerate(val_accuracy, start=1):
        best, best_epoch, wait, _ = patience_step(best, best_epoch, wait, epoch, value, start_from_epoch)
        if wait >= patience:
            return epoch, best_epoch
    return len(val_accuracy), best_epoch


def patience_step(best: float, best_epoch: int, wait: int, epoch: int, value: float,
                  start_from_epoch: int) -> tuple[float, int, int, bool]:
    """One epoch of the early-stopping bookkeeping that :func:`train` and :func:`early_stop` share:
    ``(best, best_epoch, wait, improved)`` after an epoch with validation accuracy ``value``. An improvement
    resets ``wait``; an epoch without one counts only after ``start_from_epoch``."""
    if value > best:
        return value, epoch, 0, True
    return best, best_epoch, wait + int(epoch > start_from_epoch), False


def make_optimizer(name: str = OPTIMIZER, learning_rate: float = LEARNING_RATE) -> keras.optimizers.Optimizer:
    """One of the paper's four optimizers (section 3.4) with the given learning rate."""
    classes = {
        "adagrad": keras.optimizers.Adagrad,
        "adam": keras.optimizers.Adam,
        "sgd": keras.optimizers.SGD,
        "rmsprop": keras.optimizers.RMSprop,
    }
    if name not in classes:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")
    return classes[name](learning_rate=learning_rate)


def compile_model(model: keras.Model, optimizer: str = OPTIMIZER, learning_rate: float = LEARNING_RATE,
                  soft_labels: bool = False) -> None:
    """Compile for integer labels: softmax cross-entropy (eq. 13) and accuracy; ``soft_labels``: for one-hot
    or mixed label vectors (mixup), the same loss and accuracy (of the largest label) on vectors. A model with
    float16 layers gets loss scaling (Keras does that only for a model whose own policy is float16, not per
    layer)."""
    opt = make_optimizer(optimizer, learning_rate)
    if any(layer.dtype_policy.name == "mixed_float16" for layer in model.layers):
        opt = keras.optimizers.LossScaleOptimizer(opt)
    model.compile(
        optimizer=opt,
        loss="categorical_crossentropy" if soft_labels else "sparse_categorical_crossentropy",
        metrics=[keras.metrics.CategoricalAccuracy(name="accuracy")] if soft_labels else ["accuracy"],
    )


def mix_up(x: np.ndarray, y: np.ndarray, n_classes: int, alpha: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Mixup (Zhang et al., 2018; not in the paper): each training example blended with a random partner,
    ``lam x_i + (1 - lam) x_j`` and the same for their one-hot labels, ``lam ~ Beta(alpha, alpha)`` per
    example (``keras.layers.MixUp``, seeded by ``seed``). Any input shape: the examples are flattened for the
    layer, which mixes element by element, and restored."""
    layer = keras.layers.MixUp(alpha=alpha, seed=int(seed))
    onehot = np.eye(n_classes, dtype=np.float32)[np.asarray(y, dtype=np.int64)]
    out = layer({"images": np.asarray(x, dtype=np.float32).reshape(len(x), -1, 1, 1), "labels": onehot},
                training=True)
    return (keras.ops.convert_to_numpy(out["images"]).reshape(x.shape).astype(np.float32),
            keras.ops.convert_to_numpy(out["labels"]).astype(np.float32))


@dataclass
class TrainState:
    """Early-stopping state, written after every epoch so that a run can resume."""

    epochs_done: int = 0
    best_value: float = -np.inf
    best_epoch: int = 0  # 1-based; 0 = none yet
    wait: int = 0
    stopped_early: bool = False
    finished: bool = False
    stop_reason: str = ""
    history: dict = field(default_factory=dict)
    epoch_seconds: list = field(default_factory=list)
    resumed_at: list = field(default_factory=list)
    identity: dict | None = None  # what the caller says this run is: a resume must match it
    last_file: str = ""  # the checkpoint files of epoch ``epochs_done``
    best_file: str = ""

    def to_json(self) -> dict:
        d = asdict(self)
        d["best_value"] = None if not np.isfinite(self.best_value) else float(self.best_value)
        return d

    @classmethod
    def from_json(cls, d: dict) -> "TrainState":
        d = dict(d)
        d["best_value"] = -np.inf if d.get("best_value") is None else d["best_value"]
        return cls(**d)


@dataclass
class TrainResult:
    """What :func:`train` returns: the model with its best weights restored, and how it got there."""

    model: keras.Model
    history: dict
    best_epoch: int
    best_value: float
    epochs_run: int
    stopped_early: bool
    stop_reason: str
    seconds: float
    samples_per_second: float
    resumed_at: list
    epoch_seconds: list

    def summary(self) -> dict:
        return {
            "best_epoch": self.best_epoch,
            "best_val_accuracy": round(100 * self.best_value, 4) if np.isfinite(self.best_value) else None,
            "epochs_run": self.epochs_run,
            "stopped_early": self.stopped_early,
            "stop_reason": self.stop_reason,
            "train_seconds": round(self.seconds, 2),
            "train_samples_per_second": round(self.samples_per_second, 2),
            "resumed_at_epochs": self.resumed_at,
        }


def train(
    model: keras.Model,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    *,
    run_dir: str | Path | None = None,
    epochs: int = MAX_EPOCHS,
    batch_size: int = BATCH_SIZE,
    optimizer: str = OPTIMIZER,
    learning_rate: float = LEARNING_RATE,
    patience: int = PATIENCE,
    start_from_epoch: int = START_FROM_EPOCH,
    seed: int = 0,
    mixup: float = 0.0,
    resume: bool = True,
    identity: dict | None = None,
    progress: bool = True,
    on_epoch_end: Callable[[int, dict], None] | None = None,
) -> TrainResult:
    """Fit ``model`` with early stopping on validation accuracy; return it with the best epoch's weights.

    Each epoch visits the training set in the order ``default_rng([seed, epoch]).permutation``, so a run
    that is resumed from ``run_dir/checkpoint`` sees the same batches as one that never stopped. The
    patience counter starts after ``start_from_epoch`` epochs (see :data:`START_FROM_EPOCH`).
    ``identity`` (JSON-ready: the configuration, the data's fingerprint, the split) is stored with the
    checkpoint, and resuming a checkpoint of another identity is refused: a model trained on other data
    or another split must never continue. A non-finite training loss ends the run with a warning; the
    best epoch before it is kept. ``on_epoch_end(epoch, logs)`` is called after every epoch. ``mixup > 0``:
    every epoch trains on :func:`mix_up` pairs of its examples (``alpha = mixup``, seeded by seed and epoch),
    with one-hot labels; validation is on the plain examples.
    """
    if len(x_train) != len(y_train) or len(x_val) != len(y_val):
        raise ValueError("inputs and labels differ in length")
    if len(x_val) == 0:
        raise ValueError("early stopping needs a non-empty validation set")
    ckpt = Path(run_dir) / CHECKPOINT_DIR if run_dir is not None else None
    state = TrainState()
    if ckpt is not None and resume and (ckpt / "state.json").exists():
        state = TrainState.from_json(json.loads((ckpt / "state.json").read_text()))
        if identity is not None and state.identity is not None and state.identity != identity:
            differ = sorted(k for k in {**identity, **state.identity} if identity.get(k) != state.identity.get(k))
            raise ValueError(
                f"{ckpt} holds a checkpoint of another experiment (differs in: {', '.join(differ)}); "
                "use a new run directory"
            )
        model = load_model(ckpt / state.last_file)
        if not state.finished:
            state.resumed_at.append(state.epochs_done)
    else:
        state.identity = identity
        if not getattr(model, "optimizer", None) or not model.compiled or mixup > 0:
            compile_model(model, optimizer, learning_rate, soft_labels=mixup > 0)

    x_train = _match_input(model, x_train)
    x_val = _match_input(model, x_val)
    y_train = np.asarray(y_train, dtype="int64")
    y_val = np.asarray(y_val, dtype="int64")
    n_classes = int(model.output_shape[-1])
    if mixup > 0:
        y_val = np.eye(n_classes, dtype=np.float32)[y_val]
    bar = _epoch_bar(epochs, state.epochs_done, progress)
    epoch = state.epochs_done
    while not state.finished and epoch < epochs:
        order = np.random.default_rng([seed, epoch]).permutation(len(x_train))
        t0 = time.perf_counter()
        x_epoch, y_epoch = x_train[order], y_train[order]
        if mixup > 0:
            x_epoch, y_epoch = mix_up(x_epoch, y_epoch, n_classes, mixup,
                                      seed=np.random.default_rng([seed, epoch, 1]).integers(2**31))
        fit = model.fit(
            x_epoch,
            y_epoch,
            batch_size=batch_size,
            epochs=1,
            shuffle=False,
            verbose=0,
            callbacks=[_BatchBar(len(x_train), batch_size)] if progress else [],
        )
        seconds = time.perf_counter() - t0
        val = model.evaluate(x_val, y_val, batch_size=max(batch_size, 32), verbose=0, return_dict=True)
        logs = {
            "loss": float(fit.history["loss"][-1]),
            "accuracy": float(fit.history["accuracy"][-1]),
            "val_loss": float(val["loss"]),
            "val_accuracy": float(val["accuracy"]),
        }
        epoch += 1
        for k, v in logs.items():
            state.history.setdefault(k, []).append(v)
        state.epoch_seconds.append(round(seconds, 3))
        state.epochs_done = epoch
        state.best_value, state.best_epoch, state.wait, improved = patience_step(
            state.best_value, state.best_epoch, state.wait, epoch, logs["val_accuracy"], start_from_epoch
        )
        if improved and ckpt is None:
            best_weights = model.get_weights()
        if not np.isfinite(logs["loss"]):
            state.stop_reason = f"the training loss became {logs['loss']} at epoch {epoch}"
            warnings.warn(f"training stopped: {state.stop_reason}; the best epoch before it is kept", stacklevel=2)
        elif state.wait >= patience:
            state.stopped_early = True
            state.stop_reason = f"no better validation accuracy for {patience} epochs (early stopping)"
        elif epoch >= epochs:
            state.stop_reason = f"reached the maximum of {epochs} epochs"
        state.finished = bool(state.stop_reason)
        if ckpt is not None:
            _save_checkpoint(model, state, ckpt, improved)
        if bar is not None:
            bar.set_postfix(
                loss=f"{logs['loss']:.3f}",
                acc=f"{logs['accuracy']:.3f}",
                val_acc=f"{logs['val_accuracy']:.3f}",
                best=f"{state.best_value:.3f}@{state.best_epoch}",
            )
            bar.update()
        if on_epoch_end is not None:
            on_epoch_end(epoch, dict(logs))
    if bar is not None:
        bar.close()

    if ckpt is not None and state.best_file:
        model.load_weights(ckpt / state.best_file)
    elif ckpt is None and state.best_epoch:
        model.set_weights(best_weights)
    seconds = float(sum(state.epoch_seconds))  # training time of every epoch, before and after resumes
    return TrainResult(
        model=model,
        history=state.history,
        best_epoch=state.best_epoch,
        best_value=state.best_value,
        epochs_run=state.epochs_done,
        stopped_early=state.stopped_early,
        stop_reason=state.stop_reason,
        seconds=seconds,
        samples_per_second=(len(x_train) * len(state.epoch_seconds) / seconds) if seconds else 0.0,
        resumed_at=state.resumed_at,
        epoch_seconds=state.epoch_seconds,
    )


def _match_input(model: keras.Model, x: np.ndarray) -> np.ndarray:
    """Add the trailing channel axis where the model expects one: (n, 128000) -> (n, 128000, 1)."""
    x = np.asarray(x, dtype=np.float32)
    return x[..., None] if x.ndim == len(model.input_shape) - 1 else x


def _save_checkpoint(model: keras.Model, state: TrainState, ckpt: Path, improved: bool) -> None:
    """Write this epoch's model (and best weights) under new names, then ``state.json`` naming them, then
    delete the older files: an interruption at any point leaves a consistent checkpoint."""
    ckpt.mkdir(parents=True, exist_ok=True)
    epoch = state.epochs_done
    state.last_file = _atomic(ckpt, f"last-{epoch:04d}.keras", model.save)
    if improved:
        state.best_file = _atomic(ckpt, f"best-{epoch:04d}.weights.h5", model.save_weights)
    write_json(ckpt / "state.json", state.to_json())
    for old in [*ckpt.glob("last-*.keras"), *ckpt.glob("best-*.weights.h5")]:
        if old.name not in (state.last_file, state.best_file):
            old.unlink(missing_ok=True)


def _atomic(folder: Path, name: str, save: Callable[[Path], None]) -> str:
    tmp = folder / f".tmp-{name}"
    save(tmp)
    tmp.replace(folder / name)
    return name


def epoch_line(epoch: int, epochs: int, logs: dict) -> str:
    """One finished epoch as a plain line for logs: ``epoch 12/100 loss 0.83 acc 0.71 val_acc 0.64``."""
    return (f"epoch {epoch}/{epochs} loss {logs['loss']:.2f} acc {logs['accuracy']:.2f} "
            f"val_acc {logs['val_accuracy']:.2f}")


def epoch_printer(epochs: int, prefix: str = "") -> Callable[[int, dict], None]:
    """An ``on_epoch_end`` for :func:`train` that prints :func:`epoch_line` after ``prefix``, flushed at once
    (the progress of a run whose output goes to a log file, where bars do not show)."""
    from .progress import say

    def on_epoch_end(epoch: int, logs: dict) -> None:
        say(prefix + epoch_line(epoch, epochs, logs))

    return on_epoch_end


def _epoch_bar(epochs: int, done: int, progress: bool):
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=epochs, initial=done, desc="epochs", unit="epoch")


class _BatchBar(keras.callbacks.Callback):
    """A per-batch progress bar inside an epoch (tqdm, so it renders in terminals and notebooks)."""

    def __init__(self, n: int, batch_size: int):
        super().__init__()
        self.steps = -(-n // batch_size)
        self.bar = None

    def on_epoch_begin(self, epoch, logs=None):
        from tqdm.auto import tqdm

        self.bar = tqdm(total=self.steps, desc="batches", unit="batch", leave=False)

    def on_train_batch_end(self, batch, logs=None):
        self.bar.update()
        if logs and "loss" in logs:
            self.bar.set_postfix(loss=f"{float(logs['loss']):.3f}")

    def on_epoch_end(self, epoch, logs=None):
        self.bar.close()


def history_frame(history: dict):
    """A run's per-epoch history (``record["history"]``, or ``train``'s) in long form, a pandas DataFrame with
    columns epoch (from 1), set (``training`` or ``validation``), metric (``loss`` or ``accuracy``) and value
    (accuracy in percent); other keys of ``history`` are left out.

    Notebooks: ``book/04_1d_cnn_lstm.ipynb``, ``book/05_2d_cnn_lstm.ipynb``.
    """
    import pandas as pd

    rows = []
    for key, values in history.items():
        if key not in ("loss", "accuracy", "val_loss", "val_accuracy"):
            continue
        metric = key.removeprefix("val_")
        subset = "validation" if key.startswith("val_") else "training"
        for epoch, v in enumerate(values, start=1):
            value = 100 * v if metric == "accuracy" and v is not None else v
            rows.append({"epoch": epoch, "set": subset, "metric": metric, "value": value})
    return pd.DataFrame(rows, columns=["epoch", "set", "metric", "value"])
