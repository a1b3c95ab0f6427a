"""The shallow baseline a speech-emotion researcher runs first: openSMILE functionals and a linear SVM.

Per utterance, openSMILE's ComParE_2016 (6373 values) or eGeMAPSv02 (88) functionals of the whole clip
(:func:`sercnn.features.functionals`); standardised with statistics of the training fold only; a linear
support vector machine (scikit-learn's ``LinearSVC``, one-vs-rest) whose penalty ``C`` is chosen by
cross-validation *inside* the training fold, grouped by speaker where the protocol is speaker-independent,
so the test fold never chooses anything. Same corpus, folds, metrics and run records as the networks:
``python -m sercnn protocol speaker-independent --model svm-compare``.

Notebook: ``book/07_results.ipynb``.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import numpy as np

from . import records
from .commands import config_command
from .config import BASELINES, C_GRID, BaselineConfig
from .datasets import labels
from .features import FeatureSettings, extract

#: Folds of the inner cross-validation on the training data.
INNER_FOLDS = 5


def make_classifier(c: float = 1e-2, seed: int = 0):
    """Standardisation (fitted on the data the pipeline is fitted on) and a linear SVM."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import LinearSVC

    return make_pipeline(StandardScaler(), LinearSVC(C=c, max_iter=20000, random_state=seed))


def fit(x: np.ndarray, y: np.ndarray, groups: np.ndarray | None, c_grid=C_GRID, seed: int = 0,
        n_jobs: int | None = None):
    """The pipeline refitted on all of ``x`` with the ``C`` that scored best (mean accuracy) in a
    cross-validation on ``x`` alone: grouped by ``groups`` (speakers) where given, else stratified. The grid's
    fits run in ``n_jobs`` processes (``--jobs``; None: one); each fit is seeded, so the choice and the model do
    not depend on it (``bench/baseline_fit.py`` times it)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import GridSearchCV, GroupKFold, StratifiedKFold

    n_groups = len(np.unique(groups)) if groups is not None else 0
    if groups is not None and n_groups >= 2:
        cv = GroupKFold(n_splits=min(INNER_FOLDS, n_groups))
    else:
        groups = None
        cv = StratifiedKFold(n_splits=min(INNER_FOLDS, int(np.bincount(y).min())), shuffle=True, random_state=seed)
    search = GridSearchCV(make_classifier(seed=seed), {"linearsvc__C": list(c_grid)}, cv=cv, scoring="accuracy",
                          n_jobs=n_jobs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(x, y, groups=groups)
    return search


def run(cfg: BaselineConfig, run_dir: str | Path, *, command: str | None = None, progress: bool = True) -> dict:
    """One baseline run into ``run_dir/record.json``, on the split ``cfg`` names; returns the record."""
    from .datasets import run_corpus, subset
    from .features import standardise
    from .splits import make_split

    t_total = time.perf_counter()
    run_dir = Path(run_dir)
    created = records.now()
    df = run_corpus(cfg)
    if cfg.max_per_speaker_class:
        df = subset(df, cfg.max_per_speaker_class, cfg.seed)
    timings = {}
    t0 = time.perf_counter()
    settings = FeatureSettings(kind=BASELINES[cfg.model])
    x, report = extract(df, settings, n_jobs=cfg.n_jobs, progress=progress, return_report=True)
    timings["features_s"] = time.perf_counter() - t0
    y = labels(df)
    train_pos, test_pos = make_split(df, cfg)
    speaker = df["speaker"].astype(str).to_numpy()
    groups = speaker[train_pos] if cfg.split != "speaker-dependent" else None
    if cfg.normalise == "speaker":
        x, _ = standardise(x, train_pos, speaker, "speaker", per_feature=True)

    t0 = time.perf_counter()
    search = fit(x[train_pos], y[train_pos], groups, cfg.c_grid, cfg.effective_model_seed, cfg.n_jobs)
    timings["fit_s"] = time.perf_counter() - t0
    predicted = search.best_estimator_.predict(x)
    scores = search.best_estimator_.decision_function(x)
    timings["total_s"] = time.perf_counter() - t_total
    start = {"at": created, "command": command or config_command(cfg),
             "git": records.git_commit()}
    record = records.baseline_record(
        run_dir.name, start, cfg, df, fingerprint=records.data_fingerprint(df, report.digests), settings=settings,
        report=report, parts=records.Positions(train_pos, test_pos), search=search, grouped=groups is not None,
        predicted=predicted, scores=scores, timings=timings,
    )
    records.write_record(run_dir, record)
    return record
