"""Paired comparison of two protocol runs: is a difference real, or within the noise of one run per fold?

Single folds of these networks move by 10+ points between seeds, so a difference between two configurations
is only read as real when the 95 % confidence interval of the paired mean difference excludes zero. The
pairing is by fold (the same test speakers, the same test utterances), and seed by seed where both runs have
the same model seeds: each fold contributes the mean over its seeds of the paired differences. The interval
is a bootstrap over folds (``scipy.stats.bootstrap``, BCa, percentile where BCa is degenerate); a Wilcoxon
signed-rank test (``scipy.stats.wilcoxon``) gives a p value beside it. With five folds the smallest two-sided
Wilcoxon p is 0.0625, and a bootstrap over five values is rough: intervals on few folds are wide, and
that is the honest answer.

Notebooks: ``book/07_results.ipynb``, ``book/08_beyond.ipynb``.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from . import records

#: Confidence level of every interval the book shows.
CONFIDENCE = 0.95
#: Bootstrap resamples.
N_RESAMPLES = 9999
METRICS = ("accuracy", "uar")


def paired_interval(differences, confidence: float = CONFIDENCE, n_resamples: int = N_RESAMPLES,
                    seed: int = 0) -> dict:
    """Mean of paired ``differences`` (one per fold) with a bootstrap confidence interval (:func:`_bootstrap`)
    and a Wilcoxon signed-rank p value (two-sided; 1.0 when every difference is zero, NaN when all are equal
    and non-zero: the test has nothing to rank).

    Returns ``{"mean", "low", "high", "p", "n", "method"}``.
    """
    from scipy import stats

    out = _bootstrap(differences, "paired differences", confidence, n_resamples, seed)
    d = np.asarray(differences, dtype=float)
    if out["method"] == "degenerate":
        out["p"] = 1.0 if d[0] == 0 else float("nan")
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out["p"] = float(stats.wilcoxon(d).pvalue) if np.any(d != 0) else 1.0
    return out


def verdict(interval: dict, higher: str = "A", lower: str = "B") -> str:
    """``"<higher> better"`` or ``"<lower> better"`` when the interval excludes zero, else ``"within noise"``."""
    if interval["low"] > 0:
        return f"{higher} better"
    if interval["high"] < 0:
        return f"{lower} better"
    return "within noise"


def describe(interval: dict, unit: str = "points") -> str:
    """One phrase for the book: ``+7.0 points (95 % CI -2.1 to +15.3; Wilcoxon p 0.19): within noise``."""
    v = verdict(interval, "real", "real")
    tail = "within noise" if v == "within noise" else "the interval excludes zero"
    return (f"{interval['mean']:+.1f} {unit} (95 % CI {interval['low']:+.1f} to {interval['high']:+.1f}; "
            f"Wilcoxon p {interval['p']:.2g}, {interval['n']} folds): {tail}")


def finished_summary(protocol_dir: str | Path) -> dict | None:
    """The summary of a finished protocol folder: ``protocol_dir/summary.json`` when it exists, says it is
    complete and holds folds; ``None`` otherwise (not run yet, or stopped part way: ``protocol`` resumes it).
    The one test the book's readers of ``results/`` use."""
    path = Path(protocol_dir) / "summary.json"
    if not path.exists():
        return None
    summary = json.loads(path.read_text())
    return summary if summary.get("complete", True) and summary.get("folds") else None


def fold_runs(protocol_dir: str | Path) -> dict[str, list[dict]]:
    """The finished runs of a protocol folder, by fold: ``{fold: [record, ...]}`` (one per model seed, in
    seed order; a protocol run without ``--seeds`` has one record per fold). Only the runs the summary names
    are read, so seeds that a longer ``--seeds`` run has added since are not mixed in before its summary is."""
    protocol_dir = Path(protocol_dir)
    summary_path = protocol_dir / "summary.json"
    if not summary_path.exists():
        raise FileNotFoundError(f"{summary_path} not found: not a protocol folder (python -m sercnn protocol)")
    summary = json.loads(summary_path.read_text())
    out = {}
    for fold in summary["folds"]:
        folder = protocol_dir / fold["fold"]
        if fold.get("seeds"):
            paths = [folder / s["run"] / records.RECORD_NAME for s in fold["seeds"]]
        else:
            paths = sorted(folder.glob("model-seed*/record.json"), key=lambda p: int(p.parent.name[10:]))
        if not paths:
            paths = [folder / records.RECORD_NAME]
        out[fold["fold"]] = [records.load_record(p) for p in paths if p.exists()]
    return out


def _seed_of(record: dict) -> int:
    return int(record["split"]["model_seed"])


def paired_folds(a: str | Path, b: str | Path) -> tuple[dict[str, list[dict]], dict[str, list[dict]]]:
    """The finished runs of protocol folders ``a`` and ``b`` by fold (:func:`fold_runs`), after checking that
    they can be paired: the same folds, each with a finished run, tested on the same utterances. Raises
    ``ValueError`` naming the first difference. The one check :func:`compare` and :func:`ensemble_against` share."""
    runs_a, runs_b = fold_runs(a), fold_runs(b)
    if set(runs_a) != set(runs_b):
        raise ValueError(f"{a} and {b} have different folds: only in A {sorted(set(runs_a) - set(runs_b))}, "
                         f"only in B {sorted(set(runs_b) - set(runs_a))}")
    for fold in runs_a:
        ra, rb = runs_a[fold], runs_b[fold]
        if not ra or not rb:
            raise ValueError(f"fold {fold}: no finished run in {a if not ra else b}")
        ta, tb = ra[0]["split"]["test_utterances"], rb[0]["split"]["test_utterances"]
        if sorted(ta) != sorted(tb):
            only = sorted(set(ta) ^ set(tb))
            raise ValueError(f"fold {fold}: the test utterances differ ({len(ta)} in A, {len(tb)} in B; "
                             f"e.g. {only[:3]} in one only)")
    return runs_a, runs_b


def compare(a: str | Path, b: str | Path, *, confidence: float = CONFIDENCE, seed: int = 0) -> dict:
    """Pair protocol runs ``a`` and ``b`` fold by fold (seed by seed where both have the same seeds) and give,
    for accuracy and UAR, the mean difference A - B with its confidence interval, the Wilcoxon p, and a
    verdict. Refuses runs whose folds or test utterances differ, naming the difference (:func:`paired_folds`).

    Returns ``{"a", "b", "folds": DataFrame-ready rows, "accuracy": interval, "uar": interval, ...}``.
    """
    runs_a, runs_b = paired_folds(a, b)
    rows = []
    for fold in runs_a:
        ra, rb = runs_a[fold], runs_b[fold]
        seeds_a, seeds_b = [_seed_of(r) for r in ra], [_seed_of(r) for r in rb]
        paired_seeds = seeds_a == seeds_b and len(ra) > 1
        row = {"fold": fold, "test speakers": " ".join(ra[0]["split"]["test_speakers"]),
               "n_test": len(ra[0]["split"]["test_utterances"]),
               "seeds A": len(ra), "seeds B": len(rb), "paired by seed": paired_seeds}
        for m in METRICS:
            va = np.array([r["metrics"]["test"][m] for r in ra])
            vb = np.array([r["metrics"]["test"][m] for r in rb])
            row[f"{m} A"], row[f"{m} B"] = float(va.mean()), float(vb.mean())
            row[f"{m} difference"] = float((va - vb).mean()) if paired_seeds else float(va.mean() - vb.mean())
        rows.append(row)
    out = {"a": str(a), "b": str(b), "confidence": confidence, "folds": rows}
    for m in METRICS:
        interval = paired_interval([r[f"{m} difference"] for r in rows], confidence, seed=seed)
        out[m] = {**interval, "verdict": verdict(interval, "A", "B")}
    return out


def _with_ensemble(protocol_dir: str | Path) -> dict:
    """The finished summary of ``protocol_dir`` with an ensemble in every fold, else ``ValueError`` saying why."""
    summary = finished_summary(protocol_dir)
    if summary is None:
        raise ValueError(f"{protocol_dir}: not a finished protocol folder")
    if any("ensemble" not in f for f in summary["folds"]):
        raise ValueError(f"{protocol_dir}: no ensemble per fold (one seed, or records without probabilities)")
    return summary


def ensemble_against(a: str | Path, b: str | Path, metric: str = "accuracy", *,
                     confidence: float = CONFIDENCE, seed: int = 0) -> dict:
    """The ensemble of protocol run ``a``'s seeds (its averaged probabilities, per fold, from its summary) paired
    fold by fold with run ``b``'s figure (its mean over seeds): the mean difference with its interval
    (:func:`paired_interval`). Raises ``ValueError`` when either is unfinished, ``a`` has no ensemble, or the
    folds or test utterances differ (:func:`paired_folds`).

    Notebook: ``book/08_beyond.ipynb``.
    """
    sa, sb = _with_ensemble(a), finished_summary(b)
    if sb is None:
        raise ValueError(f"{b}: not a finished protocol folder")
    paired_folds(a, b)
    ens = {f["fold"]: f["ensemble"][metric] for f in sa["folds"]}
    other = {f["fold"]: f[metric] for f in sb["folds"]}
    return paired_interval([ens[k] - other[k] for k in sorted(ens)], confidence, seed=seed)


def ensemble_gain(protocol_dir: str | Path, metric: str = "accuracy", *, confidence: float = CONFIDENCE,
                  seed: int = 0) -> dict:
    """What averaging the seeds' probabilities adds to one protocol run: per fold, its ensemble's figure minus the
    mean of its seeds' figures, and the mean of those differences with its interval (:func:`paired_interval`).
    The seeds' runs exist already, so this rung costs no training. Raises ``ValueError`` when the folder is
    unfinished or has no ensemble (one seed, or records without probabilities)."""
    summary = _with_ensemble(protocol_dir)
    return paired_interval([f["ensemble"][metric] - f[metric] for f in summary["folds"]], confidence, seed=seed)


def comparison_frame(result: dict) -> pd.DataFrame:
    """The per-fold table of :func:`compare` (accuracy and UAR of A and B, their difference)."""
    cols = ["test speakers", "n_test", "seeds A", "seeds B", "accuracy A", "accuracy B", "accuracy difference",
            "uar A", "uar B", "uar difference"]
    return pd.DataFrame(result["folds"]).set_index("fold")[cols].round(2)


def format_comparison(result: dict, name_a: str | None = None, name_b: str | None = None) -> str:
    """The text ``python -m sercnn compare`` prints."""
    name_a, name_b = name_a or result["a"], name_b or result["b"]
    lines = [f"A: {name_a}", f"B: {name_b}", "", comparison_frame(result).to_string(), ""]
    for m, label in (("accuracy", "accuracy"), ("uar", "UAR")):
        i = result[m]
        lines.append(f"{label}: A - B = {i['mean']:+.2f} points, {int(100 * result['confidence'])} % CI "
                     f"[{i['low']:+.2f}, {i['high']:+.2f}] (bootstrap over {i['n']} folds, {i['method']}), "
                     f"Wilcoxon p = {i['p']:.3g}: {i['verdict']}")
    return "\n".join(lines)


def mean_interval(values, confidence: float = CONFIDENCE, n_resamples: int = N_RESAMPLES, seed: int = 0) -> dict:
    """Mean of per-fold figures with a bootstrap confidence interval over folds: the error bar of one
    configuration. Returns ``{"mean", "low", "high", "n", "method"}``."""
    return _bootstrap(values, "values", confidence, n_resamples, seed)


def _bootstrap(values, what: str, confidence: float, n_resamples: int, seed: int) -> dict:
    """Mean of one value per fold and its bootstrap interval (``scipy.stats.bootstrap``: BCa, percentile where
    BCa is not finite; the point itself where every value is the same)."""
    from scipy import stats

    v = np.asarray(values, dtype=float)
    if v.ndim != 1 or len(v) < 2 or not np.all(np.isfinite(v)):
        raise ValueError(f"need at least two finite {what}, got {v.tolist()}")
    out = {"mean": float(v.mean()), "n": int(len(v))}
    if np.allclose(v, v[0]):
        return {**out, "low": float(v[0]), "high": float(v[0]), "method": "degenerate"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # BCa's own warning on few distinct values; handled below
        for method in ("BCa", "percentile"):
            ci = stats.bootstrap((v,), np.mean, confidence_level=confidence, n_resamples=n_resamples, method=method,
                                 random_state=np.random.default_rng(seed)).confidence_interval
            if np.isfinite(ci.low) and np.isfinite(ci.high):
                break
    return {**out, "low": float(ci.low), "high": float(ci.high), "method": method}
