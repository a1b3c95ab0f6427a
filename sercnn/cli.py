"""Command line: ``python -m sercnn train ...``, ``python -m sercnn evaluate RUN_DIR`` and
``python -m sercnn summary FOLDER``.

Run ``python -m sercnn train --help`` for every option.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys
from datetime import datetime
from pathlib import Path

from . import __version__
from .config import (
    BASELINES,
    C_GRID,
    CORPORA,
    CORPUS_CHOICES,
    NORMALISE,
    OPTIMIZERS,
    PRECISIONS,
    SEARCH_SPACES,
    SELECTIONS,
    SPLITS,
    RunConfig,
)
from .progress import choose_mode

EPILOG_TRAIN = """\
examples:
  python -m sercnn train --corpus emodb --model 2d --split speaker-independent
  python -m sercnn train --corpus emodb --model 2d --split speaker-independent --test-speakers 03 08
  python -m sercnn train --corpus emodb --model 1d --split speaker-dependent --seed 2
  python -m sercnn train --corpus synthetic --model 2d --epochs 5      # no data needed
  python -m sercnn train --resume runs/<name>                            # continue an interrupted run

The run directory receives record.json (the run record: command, commit, data fingerprint, split, seed,
backend, hardware, timings, history, metrics), model.keras (best epoch) and checkpoint/ (for --resume).
The backend is Keras': set KERAS_BACKEND=jax or torch to change it (default tensorflow).
"""


def _add_run_options(t: argparse.ArgumentParser, *, split: bool = True, models: tuple = ("1d", "2d")) -> None:
    """The data, protocol and training options that ``train``, ``protocol`` and ``search`` share
    (``split=False``: without --split, --test-speakers and --fold, which ``protocol`` sets per fold; ``protocol``
    also takes ``--train``/``--test`` for ``--corpus``/``--test-corpus``)."""
    d = RunConfig()
    g = t.add_argument_group("data")
    g.add_argument("--corpus", *(() if split else ("--train",)), choices=CORPUS_CHOICES, default=d.corpus,
                   help="emodb: Berlin EmoDB (downloaded and verified if missing); iemocap: your licensed "
                   "copy; ravdess: your copy of RAVDESS (CC BY-NC-SA 4.0, never downloaded), EmoDB's six shared "
                   "emotions at normal intensity; synthetic: a small corpus sercnn synthesises, not speech; "
                   "auto: EmoDB where it can be had, else synthetic, said plainly (default: %(default)s)")
    g.add_argument("--test-corpus", *(() if split else ("--test",)), choices=CORPORA, default=None,
                   help="split (protocol) cross-corpus: the corpus tested on, every speaker of it; the run trains on "
                   "every speaker of --corpus, both on the classes they share (emodb and ravdess: six; boredom, calm "
                   "and surprised are left out, and the record says so)")
    g.add_argument("--data-root", default=None,
                   help="folder of the corpus (EmoDB: holding wav/; IEMOCAP: holding Session1-5). "
                   "Default: $SERCNN_DATA/<corpus>, else the per-user cache")
    g.add_argument("--max-per-speaker-class", type=int, default=None, metavar="K",
                   help="use at most K utterances of each speaker and emotion: a small balanced subset for "
                   "quick runs (default: all)")
    g.add_argument("--jobs", type=int, default=None, dest="n_jobs",
                   help="threads for feature extraction (default: all cores); for the baselines also the processes "
                   "of their grid search of C (default: one; the results do not depend on it)")
    g = t.add_argument_group("protocol")
    g.add_argument("--model", choices=list(models), default=d.model,
                   help="1d: raw 8 s audio, Table 1; 2d: 128 x 251 log-mel spectrogram, Table 2"
                   + ("; svm-compare, svm-egemaps: openSMILE ComParE_2016 or eGeMAPSv02 functionals with a "
                      "linear SVM (sercnn.baselines)" if len(models) > 2 else "") + " (default: %(default)s)")
    if set(models) & set(BASELINES):
        g.add_argument("--c-grid", type=float, nargs="+", default=list(C_GRID), metavar="C",
                       help="svm-*: the SVM penalties C that the cross-validation inside the training data chooses "
                       "from (default: %(default)s)")
    if split:
        g.add_argument("--split", choices=SPLITS, default=d.split,
                       help="speaker-dependent: stratified random 80/20 of utterances; speaker-independent: 8 "
                       "speakers train, 2 test; loso: leave one speaker out, the one named by --fold "
                       "(default: %(default)s)")
        g.add_argument("--test-speakers", nargs="+", default=None, metavar="SPK",
                       help="speaker-independent: the two test speakers (default: one female and one male drawn "
                       "with --seed)")
        g.add_argument("--fold", default=None, metavar="SPK", help="loso: the speaker left out for testing")
    g.add_argument("--selection", choices=SELECTIONS, default=d.selection,
                   help="held-out: early stopping watches a validation set carved from the training speakers, "
                   "the test set is touched once; paper: it watches the test set, as the paper did "
                   "(optimistic) (default: %(default)s)")
    g.add_argument("--val-by", choices=["utterance", "speaker"], default=d.val_by,
                   help="held-out validation set: a stratified share of the training utterances, or whole "
                   "training speakers (default: %(default)s)")
    g.add_argument("--val-size", type=float, default=d.val_size,
                   help="share of the training data for validation (default: %(default)s)")
    g.add_argument("--pad", choices=["end", "start"], default=None,
                   help="where clips shorter than 8 s get their zeros (the paper does not say); default: the "
                   "network's, start for 1d (its LSTM keeps only its last state), end for 2d (Table 2's "
                   "pooling sees only the first 4.1 s)")
    g.add_argument("--seconds", type=float, default=d.seconds,
                   help="the input window in seconds: longer clips are cut, shorter ones padded (the paper: 8; "
                   "see sercnn.experiment.WINDOW_SECONDS for shorter windows) (default: %(default)s)")
    g.add_argument("--trim-db", type=float, default=d.trim_db, metavar="DB",
                   help="cut each file to its sound (frames within DB dB of its loudest) before the window, so "
                   "that the window starts where the sound does (RAVDESS clips start with about 1 s of room "
                   "noise; not in the paper) (default: as recorded)")
    g.add_argument("--seed", type=int, default=d.seed,
                   help="seeds the split, the weights and the batch order (default: %(default)s)")
    g.add_argument("--normalise", choices=NORMALISE, default=d.normalise,
                   help="train: standardise with statistics of the training utterances; speaker: each speaker "
                   "with its own statistics (uses the test speakers' unlabelled audio; said in the record) "
                   "(default: %(default)s)")
    g.add_argument("--recipe", default=None,
                   help="a named configuration (sercnn.recipes: paper, a rung of the ladder: time, speaker-norm, "
                   "val-speakers, dropout, specaugment, mixup; or best, the ladder's best); options given "
                   "explicitly override it")
    g = t.add_argument_group("training (defaults and their sources: sercnn.training, sercnn.models)")
    g.add_argument("--epochs", type=int, default=d.epochs, help="most epochs (default: %(default)s)")
    g.add_argument("--batch-size", type=int, default=d.batch_size, help="mini-batch size (default: %(default)s)")
    g.add_argument("--optimizer", choices=OPTIMIZERS, default=d.optimizer,
                   help="the paper's search space, section 3.4 (default: %(default)s)")
    g.add_argument("--learning-rate", type=float, default=d.learning_rate,
                   help="the optimizer's step size; the paper leaves it to its search (default: %(default)s)")
    g.add_argument("--patience", type=int, default=d.patience,
                   help="epochs without a better validation accuracy before stopping, section 4.1 "
                   "(default: %(default)s)")
    g.add_argument("--start-from-epoch", type=int, default=d.start_from_epoch,
                   help="epochs before the patience counter starts (default: %(default)s)")
    g.add_argument("--bn-momentum", type=float, default=d.bn_momentum,
                   help="BatchNorm momentum; Keras' 0.99 kept a faithful 2D network at chance here "
                   "(default: %(default)s)")
    g.add_argument("--l2-weight", type=float, default=d.l2_weight,
                   help="L2 penalty on weights, section 5.2 (default: %(default)s)")
    g.add_argument("--l2-activity", type=float, default=d.l2_activity,
                   help="L2 penalty on each LFLB's output, section 5.2 (default: %(default)s)")
    g.add_argument("--dropout", type=float, default=d.dropout,
                   help="dropout after the LSTM (default: %(default)s)")
    g.add_argument("--pools", nargs=4, default=None, metavar="MxT", type=_pool,
                   help="2d: the (mel x time) max-pooling of each LFLB, e.g. 2x2 2x2 2x2 2x1 so that the LSTM "
                   "reads several time steps (default: Table 2's 2x2 4x4 4x4 4x4)")
    g.add_argument("--model-seed", type=int, default=None,
                   help="seeds the weights, batch order and validation draw apart from the split (default: "
                   "--seed)")
    g.add_argument("--augment", action="store_true",
                   help="2d: SpecAugment masks on the log-mel input in training (sercnn.models.SPEC_AUGMENT; not "
                   "in the paper)")
    g.add_argument("--mixup", type=float, default=d.mixup, metavar="ALPHA",
                   help="mixup in training: each example blended with another, weight ~ Beta(ALPHA, ALPHA), "
                   "labels likewise (keras.layers.MixUp; not in the paper); 0: off (default: %(default)s)")
    g.add_argument("--precision", choices=PRECISIONS, default=d.precision,
                   help="mixed_bfloat16 computes in bfloat16 with float32 weights: about 1.7x faster training "
                   "of the 2D network on CPUs with bfloat16 units (bench/NOTES.md), numerics differ "
                   "slightly; mixed_float16: float16, for GPUs without bfloat16 (compute capability < 8). A "
                   "precision the device lacks falls back to one it has, with a warning and a note in the "
                   "record (sercnn.devices) (default: %(default)s)")


def _pool(text: str) -> list[int]:
    try:
        mel, time = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--pools takes MELxTIME sizes such as 2x1, got {text!r}") from None
    return [mel, time]


def _add_progress_option(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--no-progress", action="store_true",
                        help=f"no progress bar over the {what}: one plain line per finished epoch, fold and trial "
                        "instead (also what a log file gets when the output is not a terminal)")


def _add_engine_options(parser: argparse.ArgumentParser, what: str) -> None:
    g = parser.add_argument_group("engine (sercnn.engines)")
    g.add_argument("--engine", choices=["local", "ray"], default="local",
                   help=f"local: {what} run on this machine; ray: {what} are Ray tasks on the cluster at --address "
                   "(pip install \"sercnn[distributed]\") (default: %(default)s)")
    g.add_argument("--address", default=None,
                   help="ray: the cluster to join (e.g. auto, or ray://host:10001); default: start a local one")
    g.add_argument("--parallel", type=int, default=None,
                   help=f"{what} at a time (default: local, one per 4 cores"
                   + (", one per core for a baseline" if what == "folds" else "")
                   + "; ray: as many as the cluster fits)")


EPILOG_PROTOCOL = """\
examples:
  python -m sercnn protocol speaker-independent --model 2d --out results/emodb-2d-si
  python -m sercnn protocol loso --model svm-compare --out results/emodb-svm-compare-loso
  python -m sercnn protocol speaker-dependent --model 1d --seconds 2 --out runs/1d-sd
  python -m sercnn protocol loso --model 2d --engine ray --address auto --out runs/2d-loso   # on a Ray cluster
"""

EPILOG_SEARCH = """\
examples:
  python -m sercnn search --model 2d --test-speakers 03 08 --trials 30 --out results/search-2d-tpe
  python -m sercnn search --model 2d --test-speakers 03 08 --trials 30 --algo random --out results/search-2d-random
  python -m sercnn search --corpus synthetic --epochs 3 --trials 4 --out runs/quick-search
  python -m sercnn search --model 2d --test-speakers 03 08 --engine ray --address auto --out runs/ray-search
"""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m sercnn",
        description="Speech emotion recognition with the 1D and 2D CNN LSTM networks of Zhao, Mao & Chen (2019).",
    )
    p.add_argument("--version", action="version", version=f"sercnn {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser(
        "train",
        help="train a network (or the shallow baseline) and write a run record",
        description="Train the 1D or 2D CNN LSTM network on a corpus under one evaluation protocol, with "
        "early stopping, and write the run record; --model svm-compare or svm-egemaps fits the shallow baseline "
        "(sercnn.baselines) on the same split instead.",
        epilog=EPILOG_TRAIN,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_run_options(t, models=("1d", "2d", *BASELINES))
    g = t.add_argument_group("output")
    g.add_argument("--runs-dir", default="runs", help="parent of run directories (default: %(default)s)")
    g.add_argument("--run-name", default=None,
                   help="run directory name (default: <corpus>-<model>-<split>-seed<seed>-<timestamp>)")
    g.add_argument("--resume", default=None, metavar="RUN_DIR",
                   help="continue an interrupted run from its last finished epoch, with the configuration "
                   "stored in RUN_DIR/run.json (the other options are ignored)")
    g.add_argument("--no-progress", action="store_true",
                   help="no progress bars: one plain line per finished epoch instead (also what a log file gets)")

    pr = sub.add_parser(
        "protocol",
        help="run a whole evaluation protocol, one run per fold, and summarise it",
        description="Run every fold of an evaluation protocol (section 4.1-4.2) with one network or the "
        "shallow baseline, folds in parallel, into OUT/<fold>/record.json, and write OUT/summary.json: mean and "
        "standard deviation over folds of accuracy and UAR, the pooled confusion matrix, wall time and hardware. "
        "Re-running the same command keeps finished folds and resumes interrupted ones.",
        epilog=EPILOG_PROTOCOL,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    pr.add_argument("protocol", choices=SPLITS,
                    help="speaker-dependent: stratified 80/20, one fold per --seeds; speaker-independent: "
                    "male+female test pairs that test every speaker once (EmoDB: 03-08 10-09 11-13 12-14 15-16); "
                    "loso: one fold per speaker; cross-corpus: train on every speaker of --corpus, test on every "
                    "speaker of --test-corpus (one fold)")
    _add_run_options(pr, split=False, models=("1d", "2d", *BASELINES))
    g = pr.add_argument_group("folds")
    g.add_argument("--split-seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4],
                   help="speaker-dependent: the seeds of the 80/20 splits, one fold each (default: %(default)s)")
    g.add_argument("--seeds", type=int, default=None, metavar="K",
                   help="run every fold with K model seeds (0..K-1: weights, batch order, validation draw) into "
                   "OUT/<fold>/model-seed<k>/; the summary gives per fold the mean over seeds, the seed-to-seed "
                   "sd and the seeds' ensemble (default: one run per fold with --seed, in OUT/<fold>/)")
    g.add_argument("--only", nargs="+", default=None, metavar="FOLD",
                   help="run only these folds (e.g. 03-08, seed2, 11)")
    g.add_argument("--search-trials", type=int, default=0, metavar="N",
                   help="networks: a nested TPE search of N trials inside each fold, on that fold's training "
                   "speakers only, chooses the fold's hyperparameters (default: none, the defaults)")
    g.add_argument("--search-space", choices=list(SEARCH_SPACES), default="full",
                   help="what the nested search tunes: full, every hyperparameter of chapter 6; l2, only the L2 "
                   "penalties on weights and activity (section 5.2), the rest as given. With --seeds the search "
                   "runs once per fold (model seed 0) and every seed trains what it found (default: %(default)s)")
    g.add_argument("--out", required=True, help="folder for the fold records and summary.json")
    _add_progress_option(pr, "folds x seeds")
    _add_engine_options(pr, "folds")

    se = sub.add_parser(
        "search",
        help="hyperparameter search with hyperopt's TPE (section 3.4)",
        description="Search the optimizer, learning rate, batch size, L2 penalty, BatchNorm momentum and dropout "
        "with hyperopt's TPE (or random search). Each trial trains on the outer split's training speakers minus "
        "two validation speakers and scores accuracy on those; the outer test speakers are never seen. Trials are "
        "saved after each one (OUT/trials.pkl, OUT/trials/<id>/record.json); the same command resumes. "
        "OUT/search.json holds the table and the command that trains the best configuration.",
        epilog=EPILOG_SEARCH,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_run_options(se)
    g = se.add_argument_group("search")
    g.add_argument("--trials", type=int, default=20, help="number of trials (default: %(default)s)")
    g.add_argument("--algo", choices=["tpe", "random"], default="tpe",
                   help="tpe: hyperopt's Tree-structured Parzen Estimator, as the paper; random: draws from the "
                   "same prior, for comparison (default: %(default)s)")
    g.add_argument("--validation-speakers", nargs="+", default=None, metavar="SPK",
                   help="the training speakers that score each trial (default: a male and a female drawn "
                   "with --seed)")
    g.add_argument("--space", choices=list(SEARCH_SPACES), default="full",
                   help="full: every hyperparameter (chapter 6); l2: only the L2 penalties on weights and activity "
                   "(section 5.2), the rest as given (default: %(default)s)")
    g.add_argument("--out", required=True, help="folder for the trials and search.json")
    _add_progress_option(se, "trials")
    _add_engine_options(se, "trials")

    e = sub.add_parser(
        "evaluate",
        help="re-score a finished run from its record",
        description="Load RUN_DIR's saved model and record, recompute the test metrics on the same test "
        "utterances, print them with the confusion matrix (percent, as Tables 3-6), and say whether they "
        "match the record.",
    )
    e.add_argument("run_dir", help="a run directory holding record.json and model.keras")
    e.add_argument("--json", action="store_true", help="print the metrics as JSON")
    e.add_argument("--no-progress", action="store_true", help="no progress bars")

    c = sub.add_parser(
        "compare",
        help="pair two protocol runs fold by fold: mean difference, confidence interval, Wilcoxon p",
        description="Pair protocol runs A and B (folders written by `python -m sercnn protocol`) fold by fold, "
        "and seed by seed where both ran the same model seeds, and print per fold the accuracy and UAR of each, "
        "then the mean difference A - B with a 95 % bootstrap confidence interval over folds and a Wilcoxon "
        "signed-rank p. A difference is called real only when its interval excludes zero; otherwise \"within "
        "noise\". Refuses runs whose folds or test utterances differ.",
    )
    c.add_argument("a", help="protocol folder A (holding summary.json)")
    c.add_argument("b", help="protocol folder B, the reference")
    c.add_argument("--json", action="store_true", help="print the comparison as JSON")

    r = sub.add_parser(
        "summary",
        help="tabulate run records",
        description="One line per run record found under FOLDER (a runs directory or results/): corpus, "
        "network, protocol, test speakers, selection mode, seed, best epoch, test accuracy and UAR, "
        "whole-database accuracy, training time, commit; then mean and standard deviation per group (the "
        "first folder below FOLDER holding the record).",
    )
    r.add_argument("folder", help="a folder holding run records (searched recursively)")

    from .book.handout import add_arguments as _handout_arguments
    from .book.handout import run as _handout

    h = sub.add_parser(
        "handout",
        help="write a chapter's student version: solutions and outputs removed",
        description="Write the student version of a chapter of book/ into DIR: the code cells tagged solution, "
        "the sphinx-exercise solution blocks and all outputs removed; the exercises, the answer cells (answer = "
        "None) and their checks kept, which say \"Not answered yet\" until answered (sercnn.book.handout).",
    )
    _handout_arguments(h).set_defaults(handout=_handout)
    return p


def _config_from(args: argparse.Namespace, cls=RunConfig, argv: list[str] | None = None):
    """The configuration the options describe; with ``--recipe``, the recipe's fields under the options the
    user typed (``argv``)."""
    fields = cls.__dataclass_fields__
    try:
        cfg = cls(**{k: v for k, v in vars(args).items() if k in fields})
        if getattr(args, "recipe", None):
            from .recipes import apply

            cfg = apply(cfg, args.recipe, _explicit(argv or []))
    except ValueError as exc:
        raise ValueError(_name_option(str(exc))) from None
    return cfg


def _explicit(argv: list[str]) -> set[str]:
    """Configuration fields set by options in ``argv`` (``--val-by speaker``, ``--seconds=2``)."""
    return {a[2:].split("=")[0].replace("-", "_") for a in argv if a.startswith("--")}


def _name_option(message: str) -> str:
    """A configuration error with the option the user typed: "seconds must be ..." -> "--seconds: seconds ..."."""
    field_name = message.split(" ", 1)[0].rstrip(":")
    if field_name in RunConfig.__dataclass_fields__:
        return f"--{field_name.replace('_', '-')}: {message}"
    return message


def _protocol(args: argparse.Namespace, argv: list[str]) -> int:
    from .config import BaselineConfig
    from .protocol import fold_table, run_protocol

    if args.protocol == "cross-corpus":
        args.split = "cross-corpus"  # the one fold's split; the other protocols set theirs per fold
    if args.model in BASELINES:
        base = _config_from(args, BaselineConfig)
    else:
        base = _config_from(args, argv=argv)
    command = shlex.join(["python", "-m", "sercnn", *argv])
    try:
        summary = run_protocol(args.protocol, base, args.out, seeds=args.split_seeds, model_seeds=args.seeds,
                               only=args.only, engine=args.engine,
                               address=args.address, parallel=args.parallel, command=command,
                               search_trials=args.search_trials, search_space=args.search_space,
                               progress=choose_mode(args.no_progress))
    except KeyboardInterrupt:
        print(f"\ninterrupted; finished folds are kept. Continue with the same command:\n  {command}",
              file=sys.stderr)
        return 130
    print(f"{summary['protocol']}, {summary['model']}, {summary['corpus']}: {len(summary['folds'])} folds in "
          f"{summary['wall_seconds'] / 60:.1f} min")
    print(fold_table(summary).to_string())
    a, u = summary["accuracy"], summary["uar"]
    print(f"accuracy {a['mean']:.2f} +- {a['sd']:.2f} %, UAR {u['mean']:.2f} +- {u['sd']:.2f} % "
          "(mean +- sd over folds" + (f" of each fold's mean over {summary['n_seeds']} seeds; seed-to-seed sd "
                                      f"{summary['seed_sd']['accuracy']:.2f}" if "n_seeds" in summary else "") + ")")
    if "ensemble" in summary:
        e = summary["ensemble"]
        print(f"ensemble of the seeds (averaged probabilities): accuracy {e['accuracy']['mean']:.2f} +- "
              f"{e['accuracy']['sd']:.2f} %, UAR {e['uar']['mean']:.2f} +- {e['uar']['sd']:.2f} %")
    print(f"summary: {Path(args.out) / 'summary.json'}")
    return 0


def _search(args: argparse.Namespace, argv: list[str]) -> int:
    from dataclasses import asdict

    from .search import SearchConfig, search, trials_frame

    base = _config_from(args, argv=argv)
    cfg = SearchConfig(base=asdict(base), trials=args.trials, algo=args.algo, seed=args.seed,
                       validation_speakers=args.validation_speakers, space=args.space)
    command = shlex.join(["python", "-m", "sercnn", *argv])
    try:
        summary = search(cfg, args.out, engine=args.engine, address=args.address, parallel=args.parallel,
                         command=command, progress=choose_mode(args.no_progress))
    except KeyboardInterrupt:
        print(f"\ninterrupted; finished trials are kept. Continue with the same command:\n  {command}",
              file=sys.stderr)
        return 130
    print(f"{summary['outer_split']}; objective: {summary['objective']}")
    with pd_options():
        print(trials_frame(summary).round(4).to_string())
    best = summary["best"]
    print(f"best: trial {best['number']}, validation accuracy {best['accuracy']:.2f} %")
    print(f"train it on the outer split:\n  {summary['final_command']}")
    return 0


def pd_options():
    import pandas as pd

    return pd.option_context("display.width", 200, "display.max_columns", 20)


def _train(args: argparse.Namespace, argv: list[str]) -> int:
    from .experiment import load_config, run
    from .training import epoch_printer

    if args.resume:
        run_dir = Path(args.resume)
        cfg = load_config(run_dir)
        created = False
    elif args.model in BASELINES:
        from .config import BaselineConfig

        cfg = _config_from(args, BaselineConfig)
    else:
        cfg = _config_from(args, argv=argv)
    if not args.resume:
        name = args.run_name or (
            f"{cfg.corpus}-{cfg.model}-{cfg.split}-seed{cfg.seed}-{datetime.now():%Y%m%d-%H%M%S}"
        )
        run_dir = Path(args.runs_dir) / name
        if run_dir.exists() and any(run_dir.iterdir()):
            hint = f"use --resume {run_dir} to continue it" if (run_dir / "run.json").exists() else "choose another"
            print(f"error: {run_dir} exists and is not empty; {hint}", file=sys.stderr)
            return 2
        created = not run_dir.exists()
    command = shlex.join(["python", "-m", "sercnn", *argv])
    print(f"run directory: {run_dir}", flush=True)
    mode = choose_mode(args.no_progress)
    lines = epoch_printer(cfg.epochs) if mode == "lines" and cfg.model not in BASELINES else None
    try:
        if args.model in BASELINES and not args.resume:
            from .baselines import run as run_baseline

            record = run_baseline(cfg, run_dir, command=command, progress=mode == "bar")
        else:
            record = run(cfg, run_dir, command=command, progress=mode == "bar", on_epoch_end=lines)
    except Exception:
        if created and not (run_dir / "checkpoint").exists():
            shutil.rmtree(run_dir, ignore_errors=True)  # nothing was trained: leave no empty run behind
        raise
    except KeyboardInterrupt:
        print(f"\ninterrupted; the last finished epoch is saved. Continue with:\n"
              f"  python -m sercnn train --resume {run_dir}", file=sys.stderr)
        return 130
    _print_summary(record)
    print(f"run record: {run_dir / 'record.json'}")
    return 0


def _print_summary(record: dict) -> None:
    from .evaluation import confusion_frame

    m = record["metrics"]["test"]
    print(record["corpus"]["description"])
    s = record["split"]
    print(f"split: {s['protocol']}, seed {s['seed']}, test speakers {', '.join(s['test_speakers'])} "
          f"({s['n_test']} utterances); selection: {record['selection']['mode']}")
    if record["kind"] == "network":
        t = record["training"]
        print(f"best epoch {t['best_epoch']} of {t['epochs_run']}, {t['train_seconds']:.0f} s "
              f"({t['train_samples_per_second']:.1f} samples/s)")
    else:
        print(f"{record['model']['name']}: {record['selection']['monitored']}")
    print(f"test accuracy {m['accuracy']:.2f} %, UAR {m['uar']:.2f} %")
    print(confusion_frame(m).round(2).to_string())
    paper = record["paper"]["table_7b_validation"] if record["kind"] == "network" else None
    if paper is not None:
        print(f"paper, Table 7(b): {paper} %")


def _evaluate(args: argparse.Namespace) -> int:
    from .evaluation import confusion_frame
    from .experiment import evaluate_run

    result = evaluate_run(args.run_dir, progress=not args.no_progress)
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(f"test accuracy {result['accuracy']:.2f} %, UAR {result['uar']:.2f} % ({result['n']} utterances)")
    print(confusion_frame(result).round(2).to_string())
    print("matches the run record" if result["matches_record"] else "DIFFERS from the run record")
    if result["data_changed"]:
        print("warning: the corpus' fingerprint differs from the one in the record")
    return 0


def _compare(args: argparse.Namespace) -> int:
    from .stats import compare, format_comparison

    result = compare(args.a, args.b)
    if args.json:
        from .records import _jsonable

        print(json.dumps(_jsonable(result), indent=1))
    else:
        print(format_comparison(result))
    return 0


def _summary(args: argparse.Namespace) -> int:
    from .records import load_records, summary_table

    runs = load_records(args.folder)
    if not runs:
        print(f"error: no run records under {args.folder}", file=sys.stderr)
        return 1
    table = summary_table(runs)
    print(table.to_string(index=False))
    stats = table.groupby("group")[["test accuracy", "test UAR"]].agg(["mean", "std", "count"]).round(2)
    print()
    print(stats.to_string())
    return 0


def main(argv: list[str] | None = None) -> int:
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up chatter, not errors
    from .errors import SercnnError

    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    try:
        if args.command == "train":
            return _train(args, argv)
        if args.command == "summary":
            return _summary(args)
        if args.command == "protocol":
            return _protocol(args, argv)
        if args.command == "search":
            return _search(args, argv)
        if args.command == "compare":
            return _compare(args)
        if args.command == "handout":
            return args.handout(args)
        return _evaluate(args)
    except (SercnnError, OSError, ValueError, ImportError) as exc:  # bad input or a missing extra: one line
        print(f"error: {exc}", file=sys.stderr)
        return 1
