"""Whole evaluation protocols (paper section 4.1-4.2): one run per fold, the folds in parallel, and a summary.

- ``speaker-dependent``: stratified random 80/20 splits of the utterances, one per seed (5 seeds).
- ``speaker-independent``: 8 speakers train, 2 test, over male+female test pairs that test every speaker
  once (EmoDB: 03-08, 10-09, 11-13, 12-14, 15-16).
- ``loso``: leave one speaker out, one fold per speaker (10 on EmoDB and IEMOCAP).

``python -m sercnn protocol`` writes ``<out>/<fold>/record.json`` per fold and ``<out>/summary.json``: mean
and standard deviation over folds of accuracy and UAR, the pooled confusion matrix, the wall time of the
whole protocol and the hardware. With ``--seeds K`` every fold runs with K model seeds (weights, batch
order, validation draw) into ``<out>/<fold>/model-seed<k>/record.json``: the summary gives per fold the mean
over seeds, then mean and sd over folds of those means, the seed-to-seed sd beside it, and the accuracy of
the seeds' averaged probabilities (the ensemble). :func:`sercnn.stats.compare` pairs two such runs.
Re-running the same command into the same folder keeps finished folds and
resumes interrupted ones. The same command runs the shallow baseline (``--model svm-compare``,
``svm-egemaps``; see :mod:`sercnn.baselines`) on exactly the same folds.

Notebook: ``book/07_results.ipynb``.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from . import records
from .config import SplitKind, config_defaults
from .engines import CORES_PER_TRAINING, Engine, default_parallel, run_jobs
from .progress import Mode, Steps
from .splits import SPLITS, speaker_pairs

Protocol = SplitKind  # a protocol is named by the split of its folds (splits.SPLITS)
#: Seeds of the five speaker-dependent 80/20 splits.
SD_SEEDS = (0, 1, 2, 3, 4)
SUMMARY_NAME = "summary.json"


def folds(protocol: Protocol, df: pd.DataFrame, base, seeds: Sequence[int] = SD_SEEDS) -> list[tuple[str, object]]:
    """``(fold name, config)`` for every fold of ``protocol``: ``base`` (a ``RunConfig`` or
    ``BaselineConfig``) with the split fields set."""
    replace = dataclasses.replace
    if protocol == "speaker-dependent":
        return [(f"seed{s}", replace(base, split=protocol, seed=int(s), test_speakers=None, fold=None))
                for s in seeds]
    if protocol == "speaker-independent":
        return [(f"{a}-{b}", replace(base, split=protocol, test_speakers=[a, b], fold=None))
                for a, b in speaker_pairs(df)]
    if protocol == "cross-corpus":
        if base.test_corpus is None:
            raise ValueError("--test-corpus: the cross-corpus protocol needs the corpus it tests on")
        return [(f"{base.corpus}-to-{base.test_corpus}", replace(base, split=protocol, test_speakers=None, fold=None))]
    if protocol == "loso":
        return [(s, replace(base, split="loso", fold=s, test_speakers=None))
                for s in sorted(df["speaker"].astype(str).unique())]
    raise ValueError(f"protocol must be one of {SPLITS}, got {protocol!r}")


def seed_dir(fold_dir: Path, seed: int) -> Path:
    """Where model seed ``seed`` of a fold runs (protocol ``--seeds``)."""
    return Path(fold_dir) / f"model-seed{seed}"


def fold_jobs(every: list[tuple[str, object]], out_dir: Path,
              model_seeds: int | None) -> list[tuple[str, object, Path]]:
    """``(fold name, config, run directory)`` per run: one per fold, or ``model_seeds`` per fold, each with
    its ``model_seed`` set (speaker-dependent folds keep their split seed)."""
    if model_seeds is None:
        return [(name, cfg, out_dir / name) for name, cfg in every]
    if model_seeds < 1:
        raise ValueError(f"--seeds must be at least 1, got {model_seeds}")
    return [(name, dataclasses.replace(cfg, model_seed=k), seed_dir(out_dir / name, k))
            for name, cfg in every for k in range(model_seeds)]


def run_fold(kind: str, config: dict, run_dir: str, command: str, search_trials: int = 0,
             progress: Mode = "off", label: str = "", search_space: str = "full", seeded: bool = False) -> dict:
    """Run one fold into ``run_dir`` (a worker's entry point: plain arguments in, a small summary out). A
    finished fold of the same configuration is not run again. ``progress="lines"``: a network prints one
    line per finished epoch, after ``label`` (the fold and seed); other modes print nothing.

    ``search_trials > 0`` (networks only): a *nested* search first. A TPE search of that many trials on this
    fold's training speakers alone (:mod:`sercnn.search`, into ``run_dir/search``) chooses the
    hyperparameters; the fold then trains with them and tests once, so no fold's test speakers choose
    anything. ``search_space``: what it tunes (:data:`sercnn.search.SPACES`). ``seeded``: this run is one model
    seed of a protocol with ``--seeds`` (``run_dir`` is ``<fold>/model-seed<k>``); the search then runs once per
    fold, with model seed 0, into ``<fold>/search``, and every seed trains what it found.
    """
    done = finished_fold(run_dir, config, search_space if search_trials else None)
    if done is not None:
        return fold_summary(done)
    on_epoch_end = _epoch_lines(config, label) if progress == "lines" and kind == "network" else None
    if kind == "network" and search_trials:
        return fold_summary(_searched_fold(config, Path(run_dir), command, search_trials, search_space,
                                           on_epoch_end, seeded=seeded))
    if kind == "network":
        import keras

        from .experiment import RunConfig, run

        record = run(RunConfig(**config), run_dir, command=command, progress=False, on_epoch_end=on_epoch_end)
        keras.backend.clear_session()
    else:
        from .baselines import BaselineConfig, run

        record = run(BaselineConfig(**config), run_dir, command=command, progress=False)
    return fold_summary(record)


def finished_fold(run_dir: str | Path, config: dict, searched: str | None = None) -> dict | None:
    """The record of a finished fold of this configuration in ``run_dir`` (a searched fold: of this base
    configuration), else None. ``searched``: the space of the run's nested search (None: not searched); a
    fold searched over another space, or searched where this run is not (or the reverse), is not this run's."""
    path = Path(run_dir) / records.RECORD_NAME
    if not path.exists():
        return None
    record = records.load_record(path)
    nested = record.get("nested_search")
    if (nested.get("space", "full") if nested else None) != searched:
        return None
    # a field added to the package after the record was written is missing from it: it ran with the default
    recorded = {**config_defaults(record["kind"]), **record.get("fold_config", record.get("config"))}
    return record if recorded == json.loads(json.dumps(config)) else None


def _epoch_lines(config: dict, label: str):
    from .training import epoch_printer

    return epoch_printer(config["epochs"], prefix=f"{label}: " if label else "")


def _run_label(name: str, cfg, model_seeds: int | None) -> str:
    """How progress names a run: ``fold 03-08``, or ``fold 03-08 seed 1`` with model seeds."""
    return f"fold {name}" + (f" seed {cfg.model_seed}" if model_seeds is not None else "")


def _searched_fold(config: dict, run_dir: Path, command: str, trials: int, space: str = "full",
                   on_epoch_end=None, seeded: bool = False) -> dict:
    import keras

    from .experiment import RunConfig, run
    from .search import SearchConfig, search

    where = run_dir / "search"
    base = config
    if seeded:  # one search per fold, with model seed 0, for all its seeds
        where, base = run_dir.parent / "search", {**config, "model_seed": 0}
    found = search(SearchConfig(base=base, trials=trials, algo="tpe", seed=config["seed"], space=space), where,
                   command=f"{command} (nested search of this fold)")
    cfg = dataclasses.replace(RunConfig(**config), **found["best"]["params"])
    record = run(cfg, run_dir, command=command, progress=False,  # beside search/, resumable like any run
                 on_epoch_end=on_epoch_end)
    keras.backend.clear_session()
    record = records.with_nested_search(record, config, found, trials)
    records.write_record(run_dir, record)
    return record


def fold_summary(record: dict) -> dict:
    """The figures of one fold's record that the protocol summary keeps."""
    test, whole = record["metrics"]["test"], record["metrics"]["whole_database"]
    network = record["kind"] == "network"
    return {
        "run": record["run"],
        "test_speakers": record["split"]["test_speakers"],
        "seed": record["split"]["seed"],
        "model_seed": record["split"]["model_seed"],
        "n_test": test["n"],
        "accuracy": test["accuracy"],
        "uar": test["uar"],
        "whole_database_accuracy": whole["accuracy"],
        "confusion": test["confusion"],
        "classes": test["classes"],
        "best_epoch": record["training"]["best_epoch"] if network else None,
        "train_seconds": records.train_seconds(record),
        "searched": record["nested_search"]["best"]["params"] if "nested_search" in record else None,
        "test_labels": record["test_labels"],
        "test_probabilities": record["test_probabilities"] if network else None,  # a baseline's: test_scores
    }


def combine_seeds(per_seed: list[dict]) -> dict:
    """One fold's figures over its model seeds: the mean over seeds (what the protocol's mean and sd are
    taken over), the seed-to-seed sd, the summed confusion, each seed's own figures, and the ensemble (the
    accuracy and UAR of the seeds' averaged probabilities) where the records hold probabilities."""
    from .evaluation import metrics

    first = per_seed[0]
    out = {k: first[k] for k in ("test_speakers", "seed", "n_test", "classes")}
    for key in ("accuracy", "uar", "whole_database_accuracy"):
        out[key] = float(np.mean([r[key] for r in per_seed]))
    out["seed_sd"] = {k: float(np.std([r[k] for r in per_seed], ddof=1)) if len(per_seed) > 1 else 0.0
                      for k in ("accuracy", "uar")}
    out["n_seeds"] = len(per_seed)
    out["confusion"] = np.sum([np.asarray(r["confusion"]) for r in per_seed], axis=0).tolist()
    out["seeds"] = [{k: v for k, v in r.items() if k not in ("test_probabilities", "confusion")} for r in per_seed]
    if all(r["test_probabilities"] is not None and r["test_labels"] is not None for r in per_seed):
        mean_p = np.mean([np.asarray(r["test_probabilities"]) for r in per_seed], axis=0)
        m = metrics(np.asarray(first["test_labels"]), mean_p.argmax(axis=1), first["classes"])
        out["ensemble"] = {"accuracy": m["accuracy"], "uar": m["uar"]}
    return out


def mean_sd(values: Sequence[float]) -> dict:
    """Mean and sample standard deviation (ddof 1; 0 for one value), rounded to 2 decimals."""
    v = np.asarray(values, dtype=float)
    return {"mean": round(float(v.mean()), 2), "sd": round(float(v.std(ddof=1)) if len(v) > 1 else 0.0, 2),
            "n": int(len(v))}


def summarise(fold_results: list[dict]) -> dict:
    """Mean and standard deviation over folds of accuracy, UAR and whole-database accuracy, and the pooled
    test confusion matrix (SI and LOSO test every utterance once, so it covers the whole corpus)."""
    pooled = np.sum([np.asarray(f["confusion"]) for f in fold_results], axis=0)
    support = pooled.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(support > 0, 100.0 * pooled / support, np.nan)
    return {
        "accuracy": mean_sd([f["accuracy"] for f in fold_results]),
        "uar": mean_sd([f["uar"] for f in fold_results]),
        "whole_database_accuracy": mean_sd([f["whole_database_accuracy"] for f in fold_results]),
        **_seed_figures(fold_results),
        "pooled_test": {
            "n": int(pooled.sum()),
            "accuracy": round(100.0 * float(np.trace(pooled)) / max(1, int(pooled.sum())), 2),
            "confusion": pooled.tolist(),
            "confusion_pct": [[None if np.isnan(x) else round(float(x), 2) for x in row] for row in pct],
            "classes": fold_results[0]["classes"],
        },
    }


def _seed_figures(fold_results: list[dict]) -> dict:
    """Seed-to-seed spread (mean over folds of each fold's sd over seeds) and the ensemble's mean and sd over
    folds, for a protocol run with ``--seeds``; nothing for one seed per fold."""
    if not all("n_seeds" in f for f in fold_results):
        return {}
    out = {"n_seeds": min(f["n_seeds"] for f in fold_results),
           "seed_sd": {k: round(float(np.mean([f["seed_sd"][k] for f in fold_results])), 2)
                       for k in ("accuracy", "uar")}}
    if all("ensemble" in f for f in fold_results):
        out["ensemble"] = {k: mean_sd([f["ensemble"][k] for f in fold_results]) for k in ("accuracy", "uar")}
    return out


def run_protocol(
    protocol: Protocol,
    base,
    out_dir: str | Path,
    *,
    seeds: Sequence[int] = SD_SEEDS,
    model_seeds: int | None = None,
    only: Sequence[str] | None = None,
    engine: Engine = "local",
    address: str | None = None,
    parallel: int | None = None,
    command: str = "",
    df: pd.DataFrame | None = None,
    search_trials: int = 0,
    search_space: str = "full",
    progress: Mode = "off",
) -> dict:
    """Run every fold of ``protocol`` with ``base``'s settings into ``out_dir`` and write the summary.

    ``seeds``: the speaker-dependent split seeds. ``model_seeds``: run every fold with that many model seeds
    (0 .. K-1; see :func:`combine_seeds`); None: one run per fold with the base's seed, in ``<out>/<fold>``.
    ``only``: run just these folds (names as ``03-08``, ``seed2``, ``11``). ``search_trials``: a nested TPE
    search of that many trials inside each fold, over ``search_space`` (see :func:`run_fold`). ``progress``: a
    bar over the runs (folds x seeds), or one line per finished run and epoch (``lines``, for logs), or nothing.
    Returns the summary, also written to ``out_dir/summary.json``.
    """
    from .baselines import BaselineConfig
    from .datasets import run_corpus

    t0 = time.perf_counter()
    started = records.now()
    git = records.git_commit()  # the code at the start; each fold's record keeps its own
    out_dir = Path(out_dir)
    command = command or protocol_command(protocol, base, out_dir, seeds=seeds, model_seeds=model_seeds, only=only,
                                          search_trials=search_trials, search_space=search_space)
    if df is None:
        df = run_corpus(base)
    every = folds(protocol, df, base, seeds)
    todo = every
    if only:
        unknown = sorted(set(only) - {name for name, _ in every})
        if unknown:
            raise ValueError(f"unknown fold(s) {unknown}; {protocol} has {[n for n, _ in every]}")
        todo = [(n, c) for n, c in every if n in only]
    kind = "baseline" if isinstance(base, BaselineConfig) else "network"
    if search_trials and kind != "network":
        raise ValueError("a nested search tunes the networks; the baseline chooses its C inside each fold already")
    runs = fold_jobs(todo, out_dir, model_seeds)
    searched = search_space if search_trials else None
    kept = _kept_summary(out_dir, base, runs, complete=not only, searched=searched)
    if kept is not None:  # everything had finished: keep the summary (and its wall time) of the run that did it
        return kept
    labels = [_run_label(name, cfg, model_seeds) for name, cfg, _ in runs]
    jobs = [(kind, dataclasses.asdict(cfg), str(run_dir), command, search_trials, progress, label, search_space,
             model_seeds is not None) for (_, cfg, run_dir), label in zip(runs, labels)]
    cores_per_job = 1 if kind == "baseline" else CORES_PER_TRAINING  # liblinear fits on one core
    n_parallel = parallel or (default_parallel(len(jobs), cores_per_job) if engine == "local" else len(jobs))
    with Steps(len(jobs), progress, desc=f"{protocol} runs", unit="run") as steps:
        results = run_jobs(run_fold, jobs, engine=engine, address=address, parallel=n_parallel,
                           on_done=lambda i, r: steps.done(f"{labels[i]} done: acc {r['accuracy']:.1f}"))
    done = {str(run_dir): res for (_, _, run_dir), res in zip(runs, results)}
    by_fold: dict[str, list[dict]] = {}
    for name, cfg, run_dir in fold_jobs(every, out_dir, model_seeds):
        # with --only: the protocol's other runs that finished before, into the summary
        record = done.get(str(run_dir))
        if record is None:
            finished = finished_fold(run_dir, dataclasses.asdict(cfg), searched)
            record = fold_summary(finished) if finished is not None else None
        if record is not None:
            by_fold.setdefault(name, []).append(record)
    n_per_fold = 1 if model_seeds is None else model_seeds
    complete_folds = [name for name, _ in every if len(by_fold.get(name, [])) == n_per_fold]
    if model_seeds is None:
        results = [dict(by_fold[name][0], fold=name) for name in complete_folds]
        for r in results:
            r.pop("test_probabilities", None)
    else:
        results = [dict(combine_seeds(by_fold[name]), fold=name) for name in complete_folds]
    summary = {
        "schema": records.SUMMARY_SCHEMA,
        "kind": "protocol-summary",
        "protocol": protocol,
        "model": base.model,
        "corpus": df.attrs.get("corpus", base.corpus),
        "corpus_description": df.attrs.get("description"),
        "command": command,
        "git": git,
        "started": started,
        "finished": records.now(),
        "wall_seconds": round(time.perf_counter() - t0, 1),  # of this command (with --only: its folds)
        "complete": len(results) == len(every),
        "model_seeds": model_seeds,
        "engine": {"name": engine, "address": address, "parallel": n_parallel},
        "nested_search_trials": search_trials,
        "nested_search_space": search_space if search_trials else None,
        "environment": records.hardware(network=kind == "network"),
        "base_config": dataclasses.asdict(base),
        "folds": results,
        **(summarise(results) if results else {}),
    }
    records.write_json(out_dir / SUMMARY_NAME, summary)
    return summary


def protocol_command(protocol: Protocol, base, out_dir: str | Path, *, seeds: Sequence[int] = SD_SEEDS,
                     model_seeds: int | None = None, only: Sequence[str] | None = None, search_trials: int = 0,
                     search_space: str = "full") -> str:
    """The ``python -m sercnn protocol`` command of a protocol run (:func:`sercnn.commands.config_command`), for
    the summary and the fold records of a protocol started from Python rather than the command line."""
    from .commands import config_command

    split_seeds = list(seeds) if protocol == "speaker-dependent" and tuple(seeds) != SD_SEEDS else None
    return config_command(base, "protocol", positional=[protocol], options={
        "--split-seeds": split_seeds, "--seeds": model_seeds, "--only": list(only) if only else None,
        "--search-trials": search_trials or None,
        "--search-space": search_space if search_trials and search_space != "full" else None, "--out": str(out_dir)})


def _kept_summary(out_dir: Path, base, runs: list, complete: bool, searched: str | None = None) -> dict | None:
    """The existing complete summary of ``out_dir`` when it is of the same base configuration and every run
    has finished, so that re-running a finished protocol rewrites nothing; else None."""
    path = out_dir / SUMMARY_NAME
    if not complete or not path.exists():
        return None
    summary = json.loads(path.read_text())
    same = summary.get("base_config") == json.loads(json.dumps(dataclasses.asdict(base)))
    if not (same and summary.get("complete")):
        return None
    if any(finished_fold(run_dir, dataclasses.asdict(cfg), searched) is None for _, cfg, run_dir in runs):
        return None
    return summary


def fold_table(summary: dict) -> pd.DataFrame:
    """One row per fold of a protocol summary: test speakers, accuracy, UAR, whole-database accuracy."""
    rows = [{"fold": f["fold"], "test speakers": " ".join(f["test_speakers"]), "test utterances": f["n_test"],
             "accuracy %": round(f["accuracy"], 2), "UAR %": round(f["uar"], 2),
             "whole-database accuracy %": round(f["whole_database_accuracy"], 2)} for f in summary["folds"]]
    return pd.DataFrame(rows).set_index("fold")
