"""The machine beside the human listeners: EmoDB's perception test against held-out predictions.

EmoDB's authors played every recorded utterance to about 20 listeners and kept for the corpus only those that
at least 80 % of them recognised (and at least 60 % judged natural): ``erkennung.txt``, read by
:func:`sercnn.datasets.load_perception` into the manifest's ``recognition_pct``. Under leave-one-speaker-out
every utterance is a test utterance exactly once, so each model has one held-out prediction per utterance (one
per model seed with ``--seeds``), and the two can be set side by side per class and per utterance.

The listeners' figures are a ceiling on *selected* material: the corpus kept only what listeners recognised, so
their mean recognition on it (85.2 % over the 816 utterances tested, 93.5 % on the 535 kept) says little about speech
in general, and a rank correlation on the kept utterances is computed on a range cut at 80 %.

Notebook: ``book/08_beyond.ipynb``.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from .. import stats

#: The corpus' selection rule (``erklaerung.txt``): recognised by at least this share of listeners.
SELECTION_THRESHOLD = 80.0
#: Bands of listener recognition (%) for :func:`by_listener_band`: the selection threshold to 100 %.
BANDS = (80.0, 90.0, 100.0, 100.0001)


def loso_folders(results: str | Path) -> dict[str, Path]:
    """The finished EmoDB leave-one-speaker-out protocol folders under ``results``, by the name the book gives
    them (the model's key first, for its colour): Table 2's 2D network with the protocol defaults (its rerun
    with 3 model seeds, ``protocols/emodb-2d-loso-seeds3``, where that one is finished, else the one-seed run)
    and the baselines of chapter 7 (``protocols/emodb-*-loso``), then the ladder's LOSO runs (``ladder/loso/*``:
    the pre-registered rung with its seeds, the baselines with speaker normalisation). A ladder baseline with the
    training fit is the same configuration as chapter 7's and is read once, from chapter 7's folder where that
    one is finished. A folder whose summary says it is incomplete is left out."""
    from ..stats import finished_summary

    results = Path(results)
    seeded = results / "protocols" / "emodb-2d-loso-seeds3"
    candidates = [("2d protocol defaults, 3 seeds", seeded) if finished_summary(seeded) is not None
                  else ("2d protocol defaults", results / "protocols" / "emodb-2d-loso")]
    candidates += [(m, results / "protocols" / f"emodb-{m}-loso") for m in ("svm-compare", "svm-egemaps")]
    ladder = results / "ladder" / "loso"
    for p in sorted(ladder.iterdir()) if ladder.is_dir() else []:
        model, _, norm = p.name.rpartition("-")
        if not p.name.startswith("svm-"):
            candidates.append((f"2d {p.name}", p))
        elif norm == "speaker":
            candidates.append((f"{model} speaker-normalised", p))
        elif finished_summary(results / "protocols" / f"emodb-{model}-loso") is None:
            candidates.append((model, p))
    return {name: folder for name, folder in candidates if finished_summary(folder) is not None}


def held_out(protocol_dir: str | Path, manifest: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per test utterance of a leave-one-speaker-out protocol folder (index ``utterance``): its
    speaker, its true class, ``correct`` (the share of the model seeds that predicted it right, 0 to 1),
    ``p_true`` (the mean over seeds of the probability the model gave the true class; NaN where a record holds
    no probabilities, as the SVM baselines' do not) and ``n_seeds``. Records written before labels were
    recorded take the true class from ``manifest`` (its ``utterance`` and ``emotion`` columns).

    Raises ``ValueError`` for a protocol that is not LOSO or an utterance tested more than once.
    """
    truth = None if manifest is None else manifest.set_index("utterance")["emotion"]
    rows = []
    for fold, runs in stats.fold_runs(protocol_dir).items():
        if not runs:
            continue
        first = runs[0]
        if first["split"]["protocol"] != "leave-one-speaker-out":
            raise ValueError(f"{protocol_dir}: a {first['split']['protocol']} protocol; the listeners' comparison "
                             "needs leave-one-speaker-out, where every utterance is tested exactly once")
        utterances = first["split"]["test_utterances"]
        classes = first["metrics"]["test"]["classes"]
        if first.get("test_labels") is not None:
            labels = np.asarray(first["test_labels"])
        elif truth is not None:
            unknown = [u for u in utterances if u not in truth.index]
            if unknown:
                raise ValueError(f"{protocol_dir}/{fold}: test utterances not in the manifest, e.g. {unknown[:3]}")
            labels = np.asarray([classes.index(truth[u]) for u in utterances])
        else:
            raise ValueError(f"{protocol_dir}/{fold}: the record holds no test labels; pass the manifest")
        right = np.mean([np.asarray(r["test_predictions"]) == labels for r in runs], axis=0)
        if all(r.get("test_probabilities") is not None for r in runs):
            p = np.mean([np.asarray(r["test_probabilities"], dtype=float)[np.arange(len(labels)), labels]
                         for r in runs], axis=0)
        else:
            p = np.full(len(labels), np.nan)
        for u, y, c, q in zip(utterances, labels, right, p):
            rows.append({"utterance": u, "fold": fold, "speaker": first["split"]["test_speakers"][0],
                         "emotion": classes[int(y)], "correct": float(c), "p_true": float(q),
                         "n_seeds": len(runs)})
    frame = pd.DataFrame(rows)
    if frame.empty:
        raise ValueError(f"{protocol_dir}: no finished fold")
    twice = frame["utterance"][frame["utterance"].duplicated()].tolist()
    if twice:
        raise ValueError(f"{protocol_dir}: utterances tested more than once, e.g. {twice[:3]}")
    return frame.set_index("utterance")


def _joined(manifest: pd.DataFrame, run: pd.DataFrame) -> pd.DataFrame:
    """``run`` with the manifest's listener recognition (%) per utterance; refuses utterances the manifest
    lacks or whose class differs (a record from another corpus or another label map)."""
    perception = manifest.set_index("utterance")[["emotion", "recognition_pct"]]
    missing = sorted(set(run.index) - set(perception.index))
    if missing:
        raise ValueError(f"{len(missing)} test utterances are not in the manifest, e.g. {missing[:3]}")
    out = run.join(perception.rename(columns={"emotion": "emotion_manifest"}))
    wrong = out.index[out["emotion"] != out["emotion_manifest"]].tolist()
    if wrong:
        raise ValueError(f"the record's class differs from the manifest's for {wrong[:3]}")
    if out["recognition_pct"].isna().all():
        raise ValueError("the manifest has no listener recognition: EmoDB's erkennung.txt was not found "
                         f"({manifest.attrs.get('perception', 'no note')})")
    return out.drop(columns="emotion_manifest")


def per_class(manifest: pd.DataFrame, runs: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per class: the number of utterances, the listeners' mean recognition (%) and each model's held-out recall
    (%, averaged over its seeds), from :func:`held_out` frames keyed by model name."""
    table = None
    for name, run in runs.items():
        joined = _joined(manifest, run)
        grouped = joined.groupby("emotion")
        part = pd.DataFrame({"recall %": 100 * grouped["correct"].mean()}).rename(
            columns={"recall %": f"{name} recall %"})
        if table is None:
            table = pd.DataFrame({"utterances": grouped.size(),
                                  "listeners %": grouped["recognition_pct"].mean()}).join(part)
        else:
            table = table.join(part)
    if table is None:
        raise ValueError("no runs to compare")
    return table.round(1)


def per_utterance(manifest: pd.DataFrame, run: pd.DataFrame, column: str | None = None,
                  confidence: float = stats.CONFIDENCE, n_resamples: int = 1999, seed: int = 0) -> dict:
    """Do the utterances listeners find hardest also confuse the model? Spearman's rank correlation
    (``scipy.stats.spearmanr``) between listener recognition and ``column`` (``p_true`` where the run has
    probabilities, else ``correct``), with a percentile bootstrap interval over *speakers* (whole speakers are
    resampled, since utterances of one speaker are not independent draws) and spearmanr's p value (which treats
    utterances as independent, so it is optimistic). The corpus' selection cuts recognition at 80 %, which
    weakens any correlation.

    Returns ``{"rho", "p", "low", "high", "n", "speakers", "column"}``.
    """
    from scipy import stats as sp

    joined = _joined(manifest, run).dropna(subset=["recognition_pct"])
    column = column or ("p_true" if joined["p_true"].notna().all() else "correct")
    x, y = joined["recognition_pct"].to_numpy(), joined[column].to_numpy()
    rho, p = sp.spearmanr(x, y)
    groups = [np.flatnonzero(joined["speaker"].to_numpy() == s) for s in joined["speaker"].unique()]
    rng = np.random.default_rng(seed)
    draws = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a resample where one side is constant has no correlation
        for _ in range(n_resamples):
            idx = np.concatenate([groups[i] for i in rng.integers(len(groups), size=len(groups))])
            draws.append(sp.spearmanr(x[idx], y[idx])[0])
    draws = np.asarray(draws)[np.isfinite(draws)]
    tail = 100 * (1 - confidence) / 2
    low, high = np.percentile(draws, [tail, 100 - tail])
    return {"rho": float(rho), "p": float(p), "low": float(low), "high": float(high), "n": int(len(x)),
            "speakers": len(groups), "column": column}


def describe_correlation(result: dict) -> str:
    """One phrase for the book: ``Spearman rho +0.13 ... (95 % CI +0.02 to +0.24 over 10 speakers; ...)``."""
    verdict = "the interval excludes zero" if result["low"] > 0 or result["high"] < 0 else "within noise"
    what = ("probability of the true class" if result["column"] == "p_true"
            else "hits (the share of its seeds that were right)")
    return (f"Spearman rho {result['rho']:+.2f} between listener recognition and the model's {what} "
            f"(95 % CI {result['low']:+.2f} to {result['high']:+.2f}, bootstrap over {result['speakers']} "
            f"speakers; {result['n']} utterances): {verdict}")


def by_listener_band(manifest: pd.DataFrame, runs: dict[str, pd.DataFrame],
                     bands: tuple[float, ...] = BANDS) -> pd.DataFrame:
    """Each model's held-out accuracy (%) on the utterances that listeners recognised 80-89 %, 90-99 % and
    100 % of the time: the plain-language version of :func:`per_utterance`."""
    labels = [f"{lo:.0f}-{hi - 1:.0f} %" if hi - lo > 1 else f"{lo:.0f} %" for lo, hi in zip(bands, bands[1:])]
    table = None
    for name, run in runs.items():
        joined = _joined(manifest, run)
        band = pd.cut(joined["recognition_pct"], list(bands), right=False, labels=labels)
        grouped = joined.groupby(band, observed=False)
        part = pd.DataFrame({f"{name} accuracy %": 100 * grouped["correct"].mean()})
        table = (pd.DataFrame({"utterances": grouped.size()}).join(part) if table is None else table.join(part))
    if table is None:
        raise ValueError("no runs to compare")
    table.index.name = "listeners recognised"
    return table.round(1)


def gaps(table: pd.DataFrame) -> str:
    """One sentence from :func:`per_class`: per class, the listeners' recognition minus the *best* model's
    recall, largest gap first (a negative gap: some model recalls the class more often than listeners
    recognised it)."""
    recall = [c for c in table.columns if c.endswith(" recall %")]
    best = table[recall].max(axis=1)
    gap = (table["listeners %"] - best).sort_values(ascending=False)
    parts = [f"{c} {g:+.1f} ({table.loc[c, recall].astype(float).idxmax().removesuffix(' recall %')})"
             for c, g in gap.items()]
    return ("Listeners' recognition minus the best model's recall, per class (points, the best model in "
            "brackets): " + "; ".join(parts) + ".")
