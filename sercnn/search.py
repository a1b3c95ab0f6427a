"""Hyperparameter search (paper section 3.4): hyperopt's Tree-structured Parzen Estimator (TPE).

Section 3.4 optimizes hyperparameters with hyperopt: "In order to select a suitable optimization algorithm,
the distribution over the choice ('adagrad', 'adam', 'sgd', 'rmsprop') is chosen." It names no other
hyperparameter of the search and no ranges. The space here (:func:`space`) adds what the networks cannot do
without: the learning rate (log-uniform), the batch size, an L2 penalty on weights (section 5.2 applies
"penalties on layer parameters and layer activity" without naming their kind or size; L2 is this project's
choice), BatchNorm's momentum and dropout.

The objective never sees the test speakers. From the outer split (say test speakers 03 and 08) only the
training speakers are kept; two of them (a male and a female, drawn with the seed) become the *validation
speakers*, and each trial trains on the other six (early stopping on a share of their utterances) and
scores accuracy on the validation speakers. For a speaker-dependent outer split the validation set is a
stratified 20 % of the training utterances. The best configuration is then trained once on the outer
training speakers and tested on the outer test speakers (the ``final_command`` of ``search.json``).

Trials persist in ``<out>/trials.pkl`` (hyperopt's ``Trials``, saved after every trial) and each trial's
run record in ``<out>/trials/<id>/record.json``; re-running the same command resumes an interrupted search.
``<out>/search.json`` holds the finished table. ``engine="ray"`` runs the same TPE on Ray Tune
(``HyperOptSearch``), trials spread over a cluster.

Notebook: ``book/06_hyperopt.ipynb``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from . import records, splits, training
from .config import SEARCH_SPACES as SPACES
from .engines import Engine
from .progress import Mode, Steps

#: Batch sizes the search chooses from.
BATCH_SIZES = (8, 16, 32, 64)
#: Ranges of the continuous hyperparameters: (low, high); learning rate and L2 are searched on a log scale.
LEARNING_RATE_RANGE = (1e-5, 1e-1)
L2_RANGE = (1e-6, 1e-2)
BN_MOMENTUM_RANGE = (0.5, 0.99)
DROPOUT_RANGE = (0.0, 0.5)
#: Random trials TPE draws before it models the results (hyperopt's default is 20; a short search needs fewer).
N_STARTUP = 5
SEARCH_FILE = "search.json"
TRIALS_FILE = "trials.pkl"


def space(model: str = "2d", which: str = "full") -> dict:
    """The search space as a hyperopt expression (section 3.4, with the ranges above); for the 2D network also
    whether to use SpecAugment (``models.SpecAugment``, not in the paper). ``which="l2"``: only the L2 penalties
    on weights and on activity (section 5.2), each log-uniform over :data:`L2_RANGE`."""
    from hyperopt import hp

    _check_space(which)
    if which == "l2":
        return {name: hp.loguniform(name, *map(math.log, L2_RANGE)) for name in ("l2_weight", "l2_activity")}
    extra = {"augment": hp.choice("augment", [False, True])} if model == "2d" else {}
    return {**extra,
        "optimizer": hp.choice("optimizer", list(training.OPTIMIZERS)),
        "learning_rate": hp.loguniform("learning_rate", *map(math.log, LEARNING_RATE_RANGE)),
        "batch_size": hp.choice("batch_size", list(BATCH_SIZES)),
        "l2_weight": hp.loguniform("l2_weight", *map(math.log, L2_RANGE)),
        "bn_momentum": hp.uniform("bn_momentum", *BN_MOMENTUM_RANGE),
        "dropout": hp.uniform("dropout", *DROPOUT_RANGE),
    }


def _check_space(which: str) -> None:
    if which not in SPACES:
        raise ValueError(f"search space must be one of {SPACES}, got {which!r}")


def space_table(model: str = "2d", which: str = "full") -> pd.DataFrame:
    """The search space, one row per hyperparameter, for a chapter to print."""
    _check_space(which)
    lr, l2, bn, dr = LEARNING_RATE_RANGE, L2_RANGE, BN_MOMENTUM_RANGE, DROPOUT_RANGE
    if which == "l2":
        rows = [(name, "log-uniform", f"{l2[0]:g} to {l2[1]:g}", f"section 5.2: a penalty on layer {what}")
                for name, what in (("l2_weight", "parameters"), ("l2_activity", "activity"))]
        return pd.DataFrame(rows, columns=["hyperparameter", "prior", "range", "source"]).set_index("hyperparameter")
    rows = [
        ("optimizer", "choice", ", ".join(training.OPTIMIZERS), "section 3.4"),
        ("learning_rate", "log-uniform", f"{lr[0]:g} to {lr[1]:g}", "left to the search"),
        ("batch_size", "choice", ", ".join(map(str, BATCH_SIZES)), "left to the search"),
        ("l2_weight", "log-uniform", f"{l2[0]:g} to {l2[1]:g}", "this project (section 5.2: a penalty)"),
        ("bn_momentum", "uniform", f"{bn[0]} to {bn[1]}", "this project (models.BN_MOMENTUM)"),
        ("dropout", "uniform", f"{dr[0]} to {dr[1]}", "this project"),
    ]
    if model == "2d":
        rows.append(("augment", "choice", "False, True", "this project: SpecAugment masks (models.SPEC_AUGMENT)"))
    return pd.DataFrame(rows, columns=["hyperparameter", "prior", "range", "source"]).set_index("hyperparameter")


@dataclass
class SearchConfig:
    """A search: the outer run configuration (its test speakers stay out), the budget and the algorithm."""

    base: dict  # an experiment.RunConfig as a dict
    trials: int = 20
    algo: Literal["tpe", "random"] = "tpe"
    seed: int = 0
    validation_speakers: list[str] | None = None  # default: a male and a female drawn from the training speakers
    space: str = "full"  # one of SPACES

    def __post_init__(self) -> None:
        _check_space(self.space)
        if self.algo not in ("tpe", "random"):
            raise ValueError(f"algo must be 'tpe' or 'random', got {self.algo!r}")
        if self.trials < 1:
            raise ValueError(f"trials must be at least 1, got {self.trials}")


def default_point(model: str = "2d", which: str = "full") -> dict:
    """This project's defaults as a point of the space (``sercnn.training``, ``sercnn.models``; L2 at the
    range's floor, 1e-6, where the defaults have none): every search evaluates it first, as trial 1, so that
    its table shows what the search adds to the defaults on the same validation speakers. ``which="l2"``: both
    penalties at the floor, as good as none, so a penalty is chosen only where it beats none."""
    from .models import BN_MOMENTUM

    _check_space(which)
    if which == "l2":
        return {"l2_weight": L2_RANGE[0], "l2_activity": L2_RANGE[0]}
    point = {"optimizer": training.OPTIMIZER, "learning_rate": training.LEARNING_RATE,
             "batch_size": training.BATCH_SIZE, "l2_weight": L2_RANGE[0], "bn_momentum": BN_MOMENTUM, "dropout": 0.0}
    return {**point, "augment": False} if model == "2d" else point


def _as_hyperopt_point(point: dict) -> dict:
    """hyperopt's form of a point: the index of each ``hp.choice`` value."""
    choices = {"optimizer": list(training.OPTIMIZERS), "batch_size": list(BATCH_SIZES), "augment": [False, True]}
    return {k: choices[k].index(v) if k in choices else v for k, v in point.items()}


def inner_problem(cfg: SearchConfig, df: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """The outer training data and the inner split a trial runs on: ``(training part of df, overrides of
    the trial's RunConfig)``. The outer test speakers (or utterances) are not in the returned frame."""
    from .config import RunConfig

    base = RunConfig(**cfg.base)
    train_pos, _ = splits.make_split(df, base)
    inner = df.iloc[train_pos].reset_index(drop=True)
    inner.attrs = {**df.attrs, "subset": f"the training part of the outer split ({_outer_name(base)})"}
    if base.split == "speaker-dependent":
        return inner, {"split": "speaker-dependent", "test_speakers": None, "fold": None}
    val = cfg.validation_speakers or splits.draw_pair(inner, cfg.seed)
    missing = sorted(set(map(str, val)) - set(inner["speaker"].astype(str)))
    if missing:
        raise ValueError(f"validation speaker(s) {missing} are not training speakers of the outer split")
    return inner, {"split": "speaker-independent", "test_speakers": sorted(map(str, val)), "fold": None}


def _outer_name(base) -> str:
    if base.split == "speaker-dependent":
        return f"speaker-dependent, seed {base.seed}"
    if base.split == "loso":
        return f"leave-one-speaker-out, test speaker {base.fold}"
    return f"speaker-independent, test speakers {' '.join(base.test_speakers or [])}"


def trial_id(params: dict) -> str:
    """A short stable name for a point of the space (its trial folder)."""
    text = json.dumps({k: params[k] for k in sorted(params)}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def clean_params(params: dict) -> dict:
    """Plain Python values (hyperopt hands out NumPy scalars)."""
    out = {}
    for k, v in params.items():
        v = v.item() if hasattr(v, "item") else v
        out[k] = int(v) if k == "batch_size" else bool(v) if k == "augment" else v
    return out


def run_trial(params: dict, cfg: dict, out_dir: str, progress: Mode = "off", label: str = "") -> dict:
    """Train one point of the space on the inner split and return its score (a worker's entry point).
    ``progress="lines"``: one line per finished epoch, after ``label``."""
    from .datasets import resolve_corpus
    from .experiment import RunConfig, run

    scfg = SearchConfig(**cfg)
    params = clean_params(params)
    base = RunConfig(**scfg.base)
    df = resolve_corpus(base.corpus, base.data_root)
    inner, overrides = inner_problem(scfg, df)
    trial_cfg = dataclasses.replace(base, **params, **overrides)  # a quick search's subset: of the inner data
    tid = trial_id(params)
    run_dir = Path(out_dir) / "trials" / tid
    if (run_dir / records.RECORD_NAME).exists():
        record = records.load_record(run_dir)
    else:
        if run_dir.exists():
            shutil.rmtree(run_dir)  # an interrupted trial starts again
        t0 = time.perf_counter()
        on_epoch_end = None
        if progress == "lines":
            from .training import epoch_printer

            on_epoch_end = epoch_printer(trial_cfg.epochs, prefix=f"{label}: " if label else "")
        record = run(trial_cfg, run_dir, command=f"sercnn.search trial {tid}", progress=False, df=inner,
                     on_epoch_end=on_epoch_end)
        record.setdefault("timings", {})["trial_s"] = round(time.perf_counter() - t0, 1)
    import keras

    keras.backend.clear_session()
    accuracy = float(record["metrics"]["test"]["accuracy"])
    return {
        "loss": -accuracy / 100.0,
        "accuracy": accuracy,
        "uar": float(record["metrics"]["test"]["uar"]),
        "params": params,
        "trial": tid,
        "best_epoch": record["training"]["best_epoch"],
        "seconds": record["timings"]["total_s"],
        "finished": record["finished"],
        "status": "ok" if np.isfinite(accuracy) else "fail",
        "node": _ray_node(),
    }


def _ray_node() -> str | None:
    """The Ray node a trial ran on (None outside Ray)."""
    import sys

    ray = sys.modules.get("ray")
    if ray is not None and ray.is_initialized():
        return ray.get_runtime_context().get_node_id()
    return None


def _hyperopt_objective(params: dict, cfg: dict, out_dir: str, steps: Steps | None = None) -> dict:
    from hyperopt import STATUS_FAIL, STATUS_OK

    label = f"trial {steps.count + 1}" if steps is not None else ""
    result = run_trial(params, cfg, out_dir, progress=steps.mode if steps is not None else "off", label=label)
    result["status"] = STATUS_OK if result["status"] == "ok" else STATUS_FAIL
    if steps is not None:
        steps.done(f"{label} done: accuracy {result['accuracy']:.1f} % ({_point_text(result['params'])})")
    return result


def _point_text(params: dict) -> str:
    """A trial's hyperparameters in one short line: ``optimizer adam, learning_rate 0.001, ...``."""
    return ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}" for k, v in params.items())


def search(
    cfg: SearchConfig,
    out_dir: str | Path,
    *,
    engine: Engine = "local",
    address: str | None = None,
    parallel: int | None = None,
    command: str = "",
    progress: Mode = "off",
) -> dict:
    """Run (or resume) the search into ``out_dir``; returns ``search.json``'s content. ``progress`` (local
    engine): a bar over the trials, or one line per finished trial and epoch (``lines``), or nothing."""
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    command = command or search_command(cfg, out_dir)
    previous = out_dir / SEARCH_FILE
    if previous.exists():
        old = {"space": "full", **json.loads(previous.read_text())["config"]}  # searches before SPACES: full
        if {k: v for k, v in old.items() if k != "trials"} != {k: v for k, v in asdict(cfg).items() if k != "trials"}:
            raise ValueError(f"{out_dir} holds a search of another configuration; use a new folder")
    from .config import RunConfig
    from .datasets import resolve_corpus

    base = RunConfig(**cfg.base)
    df = resolve_corpus(base.corpus, base.data_root)
    inner, overrides = inner_problem(cfg, df)
    if not previous.exists():  # name the configuration at once, so that a resume can check it
        _write_summary(out_dir, cfg, [], overrides, df, base, command, 0.0, engine, partial=True)
    if engine == "ray":
        trials = _search_ray(cfg, out_dir, address, parallel)
    else:
        trials = _search_local(cfg, out_dir, progress)
    return _write_summary(out_dir, cfg, trials, overrides, df, base, command, time.perf_counter() - t0, engine)


def _search_local(cfg: SearchConfig, out_dir: Path, progress: Mode = "off") -> list[dict]:
    from functools import partial

    from hyperopt import fmin, rand, tpe
    from hyperopt.fmin import generate_trials_to_calculate

    path = out_dir / TRIALS_FILE
    algo = partial(tpe.suggest, n_startup_jobs=N_STARTUP) if cfg.algo == "tpe" else rand.suggest
    if path.exists():
        trials = _load_trials(path)
    else:  # trial 1: the defaults
        trials = generate_trials_to_calculate([_as_hyperopt_point(default_point(cfg.base["model"], cfg.space))])
        trials.refresh()  # so that fmin counts it towards the budget
    finished = sum(t["result"].get("status") == "ok" for t in trials.trials)
    with Steps(cfg.trials, progress, desc="trials", unit="trial", initial=min(finished, cfg.trials)) as steps:
        fmin(
            fn=partial(_hyperopt_objective, cfg=asdict(cfg), out_dir=str(out_dir), steps=steps),
            space=space(cfg.base["model"], cfg.space),
            algo=algo,
            max_evals=cfg.trials,
            trials=trials,
            # seeded by the seed and the trials done: a resumed search draws new points, not the first ones again
            rstate=np.random.default_rng([cfg.seed, len(trials.trials)]),
            trials_save_file=str(path),
            show_progressbar=False,
        )
    done = [t for t in trials.trials if t["result"].get("status") == "ok"]
    return [dict(t["result"], number=i + 1) for i, t in enumerate(done)]


def _load_trials(path: Path):
    import pickle

    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except Exception as exc:
        raise ValueError(f"{path}: the saved trials cannot be read ({exc}); move it aside to start afresh") from exc


def _search_ray(cfg: SearchConfig, out_dir: Path, address: str | None, parallel: int | None) -> list[dict]:
    from .engines import init_ray

    init_ray(address)
    from ray import tune
    from ray.tune.search.hyperopt import HyperOptSearch

    storage = (out_dir / "ray").resolve()
    name = "tune"
    # a Tune trial is run_trial itself: the sampled point first, its final result returned
    trainable = tune.with_parameters(run_trial, cfg=asdict(cfg), out_dir=str(out_dir.resolve()))
    if tune.Tuner.can_restore(storage / name):
        tuner = tune.Tuner.restore(str(storage / name), trainable, resume_errored=True)
    else:
        n_startup = N_STARTUP if cfg.algo == "tpe" else cfg.trials  # random search: only the prior's draws
        searcher = HyperOptSearch(space(cfg.base["model"], cfg.space), metric="accuracy", mode="max",
                                  n_initial_points=n_startup, random_state_seed=cfg.seed,
                                  points_to_evaluate=[default_point(cfg.base["model"], cfg.space)])
        tuner = tune.Tuner(
            trainable,
            tune_config=tune.TuneConfig(search_alg=searcher, num_samples=cfg.trials,
                                        max_concurrent_trials=parallel or None),
            run_config=tune.RunConfig(name=name, storage_path=str(storage), verbose=0),
        )
    grid = tuner.fit()
    results = [r.metrics for r in grid if r.metrics and "accuracy" in r.metrics]
    results.sort(key=lambda m: m.get("finished", ""))
    keep = ("loss", "accuracy", "uar", "params", "trial", "best_epoch", "seconds", "finished", "status", "node")
    return [dict({k: m[k] for k in keep if k in m}, number=i + 1) for i, m in enumerate(results)]


def _write_summary(out_dir, cfg, trials, overrides, df, base, command, seconds, engine, partial=False) -> dict:
    best = max(trials, key=lambda t: t["accuracy"]) if trials else None
    summary = {
        "schema": records.SUMMARY_SCHEMA,
        "kind": "search",
        "config": asdict(cfg),
        "outer_split": _outer_name(base),
        "corpus": df.attrs.get("corpus", base.corpus),
        "objective": (
            f"accuracy on the validation speakers {' '.join(overrides['test_speakers'])}, trained on the other "
            "training speakers of the outer split" if overrides["test_speakers"]
            else "accuracy on a stratified 20 % of the outer training utterances"
        ),
        "validation_speakers": overrides["test_speakers"],
        "space": space_table(base.model, cfg.space).reset_index().to_dict(orient="records"),
        "command": command,
        "git": records.git_commit(),
        "finished": None if partial else records.now(),
        "wall_seconds": round(seconds, 1),
        "engine": engine,
        "environment": records.hardware(),
        "trials": trials,
        "best": best,
        "defaults": default_point(base.model, cfg.space),
        "final_command": final_command(base, best["params"]) if best else None,
    }
    records.write_json(Path(out_dir) / SEARCH_FILE, summary)
    return summary


def final_command(base, params: dict) -> str:
    """The ``python -m sercnn train`` command that trains the best configuration on the outer split: the outer
    configuration with the trial's hyperparameters (:func:`sercnn.commands.config_command`).

    Notebook: ``book/06_hyperopt.ipynb``.
    """
    from .commands import config_command

    return config_command(dataclasses.replace(base, **params))


def search_command(cfg: SearchConfig, out_dir: str | Path) -> str:
    """The ``python -m sercnn search`` command of a search (for one started from Python)."""
    from .commands import config_command
    from .config import RunConfig

    return config_command(RunConfig(**cfg.base), "search", options={
        "--trials": cfg.trials, "--algo": cfg.algo, "--validation-speakers": cfg.validation_speakers,
        "--space": cfg.space if cfg.space != "full" else None, "--out": str(out_dir)})


def load_search(folder: str | Path) -> dict:
    """Read ``folder/search.json``."""
    path = Path(folder) / SEARCH_FILE
    if not path.exists():
        raise FileNotFoundError(f"{path}: no search here (run python -m sercnn search first)")
    return json.loads(path.read_text())


def trials_frame(summary: dict) -> pd.DataFrame:
    """One row per finished trial, in order: its hyperparameters, validation accuracy and best so far."""
    rows = [{"trial": t["number"], **t["params"], "accuracy": t["accuracy"], "uar": t.get("uar"),
             "best epoch": t.get("best_epoch"), "seconds": t.get("seconds")} for t in summary["trials"]]
    frame = pd.DataFrame(rows)
    if len(frame):
        frame["best so far"] = frame["accuracy"].cummax()
    return frame.set_index("trial") if len(frame) else frame
