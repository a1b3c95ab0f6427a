"""Every place where this book departs from the paper, or chooses where the paper is silent, as one table.

Book side (it reads records): each row sets what the paper says (quoted from :data:`sercnn.paper.SAYS`, with its
section, or "not specified") beside this package's shipped default (read from the named constant at call time)
and what the committed protocol runs under ``results/protocols`` actually used (read from their summaries'
``base_config``), with the reason and where the evidence is. Nothing in the table is typed twice: change a
constant or rerun a protocol and the table follows.

Notebook: ``book/00_introduction.ipynb``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd

from .. import paper


@dataclass(frozen=True)
class Departure:
    """One setting: its name, the key of what the paper says (:data:`sercnn.paper.SAYS`), the dotted name of the
    constant that holds the shipped default, how to read the protocol runs' value from a summary, whether it
    departs, why, and the evidence."""

    setting: str
    says: str
    constant: str
    record: Callable[[dict], object] | None
    kind: str
    reason: str
    evidence: str
    context: str | None = None


def _config(field: str) -> Callable[[dict], object]:
    return lambda s: s.get("base_config", {}).get(field)


def _pad(s: dict) -> object:
    from ..experiment import PADDING

    pad = s.get("base_config", {}).get("pad")
    return pad if pad is not None else PADDING.get(s.get("model"))


def _folds(s: dict) -> object:
    return " ".join(f["fold"] for f in s["folds"]) if s.get("protocol") == "speaker-independent" else None


#: The rows, in the order of a run: input, numerics, network, training, selection, protocol.
ROWS: tuple[Departure, ...] = (
    Departure("input window (s)", "window", "sercnn.experiment.RunConfig.seconds", _config("seconds"),
              "protocol runs only",
              "The default is the paper's 8 s. The protocol runs used `sercnn.experiment.WINDOW_SECONDS` for speed: "
              "the 128 frames Table 2's pooling keeps (2D), the copy's own 2 s clips (1D).",
              "`sercnn.experiment.WINDOW_SECONDS`; chapter 7, *Did the window or the precision move the 2D "
              "network?* (`results/emodb-2d-si-heldout/` at 8 s against `results/protocols/emodb-2d-si/`)"),
    Departure("padding side", "padding side", "sercnn.experiment.PADDING", _pad, "paper silent",
              "The paper does not say where the zeros go. Padded at the end, the 1D network's LSTM reads seconds "
              "of silence last and predicts one class; the 2D network keeps only its first 128 frames, so its "
              "zeros go after the speech.",
              "`sercnn.experiment.PADDING`; `results/emodb-1d-si-heldout-pad-end/` against "
              "`results/emodb-1d-si-heldout/`; chapters 3 and 4"),
    Departure("numerical precision", "precision", "sercnn.experiment.RunConfig.precision", _config("precision"),
              "paper silent; protocol runs differ",
              "Not given by the paper. The default is float32; the protocol runs used bfloat16 mixed precision "
              "for speed, and paired against float32 on the same five folds the difference is within noise.",
              "`results/ablations/emodb-2d-si-float32/`; chapter 7, *Did the window or the precision move the "
              "2D network?*"),
    Departure("L2 penalty on weights", "l2", "sercnn.experiment.RunConfig.l2_weight", _config("l2_weight"),
              "departs",
              "The paper names penalties on parameters and activity but gives no value and no layer; any value "
              "would be invented, so none is applied. Chapter 6 searches a weight penalty.",
              "`sercnn.recipes.PAPER` (its comment); `sercnn.search` (the `l2_weight` range); chapter 6"),
    Departure("L2 penalty on activity", "l2", "sercnn.experiment.RunConfig.l2_activity", _config("l2_activity"),
              "departs",
              "As for the weights: section 5.2 gives no value, so none is applied.",
              "`sercnn.recipes.PAPER` (its comment)"),
    Departure("BatchNorm momentum", "bn momentum", "sercnn.models.BN_MOMENTUM", _config("bn_momentum"),
              "paper silent",
              "Keras' default, 0.99, leaves the moving statistics of the first epochs mostly at their start "
              "values on EmoDB's few batches per epoch, and validation accuracy sits near chance.",
              "`sercnn.models.BN_MOMENTUM`; `results/emodb-2d-si-heldout-keras-defaults/` against "
              "`results/emodb-2d-si-heldout/`; chapter 5"),
    Departure("early-stopping patience (epochs)", "patience", "sercnn.training.PATIENCE", _config("patience"),
              "as the paper", "The paper's value.", "`sercnn.training.PATIENCE`; chapter 5"),
    Departure("patience counted from epoch", "patience start", "sercnn.training.START_FROM_EPOCH",
              _config("start_from_epoch"), "paper silent",
              "Counted from epoch 1 (Keras' default), a run whose validation accuracy sits near chance while "
              "BatchNorm's statistics settle is stopped before it learns; the best epoch is still chosen among "
              "all epochs.",
              "`sercnn.training.START_FROM_EPOCH`; `results/emodb-2d-si-heldout-keras-defaults/`; chapter 5"),
    Departure("maximum epochs", "max epochs", "sercnn.training.MAX_EPOCHS", _config("epochs"), "paper silent",
              "An upper bound only: early stopping ends runs well before it.", "`sercnn.training.MAX_EPOCHS`"),
    Departure("optimizer", "optimizer", "sercnn.training.OPTIMIZER", _config("optimizer"),
              "fixed, not searched",
              "The paper searched over four optimizers per experiment; the protocol runs use one of them with "
              "fixed settings, so that no test speaker chooses anything. Chapter 6 runs the search on training "
              "speakers only.",
              "`sercnn.training.OPTIMIZER`; `results/search/`; chapter 6"),
    Departure("learning rate", "learning rate", "sercnn.training.LEARNING_RATE", _config("learning_rate"),
              "paper silent",
              "Left to the paper's search, whose space it does not give; Adam's default rate, measured to work on "
              "EmoDB.", "`sercnn.training.LEARNING_RATE`; chapter 6", context="hyperparameters"),
    Departure("batch size", "batch size", "sercnn.training.BATCH_SIZE", _config("batch_size"), "paper silent",
              "Left to the paper's search, whose space it does not give; measured to work on EmoDB.",
              "`sercnn.training.BATCH_SIZE`; chapter 6", context="hyperparameters"),
    Departure("model selection", "selection", "sercnn.experiment.RunConfig.selection", _config("selection"),
              "departs",
              "The paper's validation data are its test data, so its Table 7(b) chose the model it reports. "
              "`held-out` chooses on training speakers' utterances and scores the test speakers once; `paper` "
              "reproduces the paper's choice.",
              "`sercnn.experiment` (its docstring); `results/emodb-2d-si-paper/` against "
              "`results/emodb-2d-si-heldout/`; chapter 5"),
    Departure("validation share of the training utterances", "validation set", "sercnn.splits.VALIDATION_SIZE",
              _config("val_size"), "departs",
              "The paper splits the data in two sets only; choosing the model on neither test set nor test "
              "speakers needs a third, carved from the training speakers' utterances.",
              "`sercnn.splits.VALIDATION_SIZE`; chapter 5"),
    Departure("speaker-independent test pairs", "test pairs", "sercnn.splits.EMODB_PAIRS", _folds,
              "paper silent",
              "The paper does not say which two speakers it tested on (its figures fit the pair 12 + 15 only, "
              "chapter 7); the protocol tests five male + female pairs that cover every speaker once.",
              "`sercnn.splits.EMODB_PAIRS`; `sercnn.book.results.split_arithmetic`; chapter 7"),
)


def constant_value(name: str):
    """The current value of a dotted constant name (``sercnn.models.BN_MOMENTUM``, or a dataclass field default
    such as ``sercnn.experiment.RunConfig.seconds``)."""
    module, _, attr = name.rpartition(".")
    try:
        return getattr(importlib.import_module(module), attr)
    except ModuleNotFoundError:
        owner_module, _, owner = module.rpartition(".")
        return getattr(getattr(importlib.import_module(owner_module), owner), attr)


def show(value) -> str:
    """How a value is written in the table (dicts and pairs compactly, floats with ``g``)."""
    if isinstance(value, dict):
        return ", ".join(f"{k}: {show(v)}" for k, v in value.items())
    if isinstance(value, (tuple, list)):
        return " ".join("-".join(map(str, v)) if isinstance(v, (tuple, list)) else show(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def paper_says(key: str, context: str | None = None) -> str:
    """What the paper says (``"quote" (section N)``), or "not specified", with a context quote where given."""
    entry = paper.SAYS[key]
    text = f"“{entry[1]}” (section {entry[0]})" if entry else "not specified"
    if context and paper.SAYS.get(context):
        section, quote = paper.SAYS[context]
        text += f"; section {section}: “{quote}”"
    return text


def protocol_values(row: Departure, summaries: list[dict]) -> str:
    """What the network protocol runs used for one setting, read from their summaries: one value, or one per
    network where they differ."""
    if row.record is None or not summaries:
        return "no protocol records here"
    by_model: dict[str, set[str]] = {}
    for s in summaries:
        value = row.record(s)
        if value is not None:
            by_model.setdefault(s["model"], set()).add(show(value))
    values = {v for vs in by_model.values() for v in vs}
    if not values:
        return "–"
    if len(values) == 1:
        return f"{values.pop()} (all {sum(1 for s in summaries if row.record(s) is not None)} runs)"
    return "; ".join(f"{m.upper()}: {' / '.join(sorted(vs))}" for m, vs in sorted(by_model.items()))


def network_summaries(results: str | Path | None) -> list[dict]:
    """The network (1D, 2D) protocol summaries under ``results/protocols``, with defaults (no nested search)."""
    if results is None:
        return []
    from .results import load_protocols

    return [s for (corpus, model, protocol), s in sorted(load_protocols(results).items()) if model in ("1d", "2d")]


def departures(results: str | Path | None = None) -> pd.DataFrame:
    """The table: one row per setting of :data:`ROWS`, with what the paper says, this book's shipped default
    (constant and value, read now), what the committed network protocol runs used (read from ``results``;
    without it, a note that there are none), whether it departs, the reason and the evidence."""
    summaries = network_summaries(results)
    rows = []
    for row in ROWS:
        rows.append({"setting": row.setting, "the paper says": paper_says(row.says, row.context),
                     "shipped default": show(constant_value(row.constant)), "constant": f"`{row.constant}`",
                     "protocol runs used": protocol_values(row, summaries), "departure": row.kind,
                     "reason": row.reason, "evidence": row.evidence})
    return pd.DataFrame(rows).set_index("setting")
