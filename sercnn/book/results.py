"""The paper's result tables (section 4.2-4.3, Tables 3-9) regenerated from run records, beside its values.

Everything here reads ``results/``: protocol summaries (``results/protocols/<name>/summary.json``, written by
``python -m sercnn protocol``) and their fold records. Nothing trains. The paper's own numbers come from
:mod:`sercnn.paper`.

Notebook: ``book/07_results.ipynb``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .. import paper, records
from ..config import PAPER_SPLITS
from ..evaluation import class_size_multiples
from ..protocol import mean_sd

PROTOCOL_NAMES = {"speaker-dependent": "SD", "speaker-independent": "SI", "loso": "LOSO"}
MODEL_NAMES = {"1d": "1D CNN LSTM", "2d": "2D CNN LSTM", "svm-compare": "ComParE + linear SVM",
               "svm-egemaps": "eGeMAPS + linear SVM"}


def load_protocols(results: str | Path, nested: bool = False,
                   seeded: bool = False) -> dict[tuple[str, str, str], dict]:
    """Every protocol summary under ``results/protocols``, keyed ``(corpus, model, protocol)``; each gets
    ``_folder`` (its folder, relative to ``results``). ``nested=True``: the runs with a nested search in each
    fold (``protocol --search-trials``) instead of those with the defaults; ``seeded=True``: the reruns with
    model seeds (``protocol --seeds``, ``bench/reruns.sh``) instead of the one-seed runs."""
    found = {}
    for path in sorted(Path(results).glob("protocols/*/summary.json")):
        s = json.loads(path.read_text())
        if bool(s.get("nested_search_trials")) != nested or bool(s.get("model_seeds")) != seeded:
            continue
        s["_folder"] = str(path.parent.relative_to(results))
        found[(s["corpus"], s["model"], s["protocol"])] = s
    return found


def nested_against_defaults(defaults: dict, nested: dict) -> pd.DataFrame:
    """Per fold: held-out accuracy with the defaults and with the hyperparameters a nested search chose on that
    fold's training speakers, and what the search chose."""
    d = {f["fold"]: f for f in defaults["folds"]}
    rows = []
    for f in nested["folds"]:
        chosen = f.get("searched") or {}
        rows.append({"fold": f["fold"], "defaults %": round(d[f["fold"]]["accuracy"], 2) if f["fold"] in d else None,
                     "nested search %": round(f["accuracy"], 2),
                     "chosen": ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}"
                                         for k, v in chosen.items())})
    return pd.DataFrame(rows).set_index("fold")


def fold_records(results: str | Path, summary: dict) -> list[dict]:
    """The run records of a summary's folds, in fold order."""
    folder = Path(results) / summary["_folder"]
    return [records.load_record(folder / f["fold"]) for f in summary["folds"]]


def _pm(stat: dict | None) -> str:
    return "" if stat is None else f"{stat['mean']:.2f} ± {stat['sd']:.2f}"


def overview(protocols: dict) -> pd.DataFrame:
    """One row per protocol run: model, protocol, folds, held-out accuracy and UAR (mean ± sd over folds),
    whole-database accuracy, the protocol's wall time and its hardware."""
    rows = []
    for (corpus, model, protocol), s in sorted(protocols.items(), key=lambda kv: (kv[0][0], kv[0][2], kv[0][1])):
        env = s["environment"]
        rows.append({
            "corpus": corpus, "protocol": PROTOCOL_NAMES.get(protocol, protocol),
            "model": MODEL_NAMES.get(model, model), "folds": len(s["folds"]),
            "test accuracy %": _pm(s["accuracy"]), "test UAR %": _pm(s["uar"]),
            "whole-database accuracy %": _pm(s["whole_database_accuracy"]),
            "wall time (min)": round(s["wall_seconds"] / 60, 1),
            "hardware": records.hardware_text(env),
            "commit": records.code_version(s["git"])[1],
        })
    return pd.DataFrame(rows)


def table_7(protocols: dict, corpus: str = "emodb") -> pd.DataFrame:
    """Table 7 for ``corpus``: the paper's (a) "average" and (b) "validation" accuracy per protocol and
    network, beside this book's held-out test accuracy (mean ± sd over folds) and whole-database accuracy."""
    rows = []
    for protocol in ("speaker-dependent", "speaker-independent"):
        for net in ("1d", "2d"):
            key = (corpus, protocol, net)
            s = protocols.get((corpus, net, protocol))
            rows.append({
                "protocol": PROTOCOL_NAMES[protocol], "network": MODEL_NAMES[net],
                "paper 7(a) average": paper.TABLE_7A.get(key), "paper 7(b) validation": paper.TABLE_7B.get(key),
                "book: held-out test (mean ± sd)": _pm(s["accuracy"]) if s else "not run",
                "book: whole database (mean ± sd)": _pm(s["whole_database_accuracy"]) if s else "not run",
            })
    return pd.DataFrame(rows).set_index(["protocol", "network"])


def table_8(protocols: dict) -> pd.DataFrame:
    """Table 8 (EmoDB, SD and SI accuracy of other work) with this book's rows added: each model's held-out
    test accuracy, mean ± sd over folds (SD: 5 seeds; SI: the 5 test pairs), and its LOSO accuracy."""
    rows = [{"work": w, "speaker-dependent": sd, "speaker-independent": si, "LOSO": None, "source": "paper, Table 8"}
            for w, sd, si in paper.TABLE_8]
    for model in ("2d", "1d", "svm-compare", "svm-egemaps"):
        got = {p: protocols.get(("emodb", model, p)) for p in PAPER_SPLITS}
        if not any(got.values()):
            continue
        rows.append({"work": f"this book: {MODEL_NAMES[model]}",
                     **{k: _pm(s["accuracy"]) if s else "not run" for k, s in
                        zip(("speaker-dependent", "speaker-independent", "LOSO"), got.values())},
                     "source": "results/protocols (held out)"})
    frame = pd.DataFrame(rows).set_index("work")
    return frame.astype(object).where(frame.notna(), "–")


def table_9() -> pd.DataFrame:
    """Table 9 (IEMOCAP) as the paper prints it; a licensed IEMOCAP user adds rows with :func:`iemocap_commands`."""
    frame = pd.DataFrame(paper.TABLE_9, columns=["work", "speaker-dependent", "speaker-independent (test)"])
    frame = frame.set_index("work")
    return frame.astype(object).where(frame.notna(), "–")


def iemocap_commands(results_dir: str = "results/protocols") -> str:
    """The commands that fill Tables 4, 6 and 9 from a licensed IEMOCAP copy (``SERCNN_DATA`` holding
    ``iemocap/Session1..5``)."""
    lines = ["export SERCNN_DATA=/path/to/folder/holding/iemocap   # your licensed copy: iemocap/Session1 ... Session5"]
    for protocol, short in (("speaker-dependent", "sd"), ("speaker-independent", "si")):
        for model, extra in (("2d", " --seconds 4.064"), ("1d", "")):
            lines.append(f"python -m sercnn protocol {protocol} --corpus iemocap --model {model}{extra} "
                         f"--out {results_dir}/iemocap-{model}-{short}")
    lines.append(f"python -m sercnn protocol speaker-independent --corpus iemocap --model svm-compare "
                 f"--out {results_dir}/iemocap-svm-compare-si")
    return "\n".join(lines)


def confusion_comparison(protocols: dict, corpus: str, protocol: str, network: str) -> pd.DataFrame | None:
    """Per-class recall (the diagonal of Tables 3-6): the paper's, and this book's pooled held-out test set
    (every fold's test utterances together), in percent."""
    ref = paper.confusion_reference(corpus, protocol, network)
    s = protocols.get((corpus, network, protocol))
    if ref is None or s is None:
        return None
    number, table = ref
    pooled = s["pooled_test"]
    return pd.DataFrame({
        f"paper, Table {number}": np.diag(table["confusion_pct"]),
        "book, pooled held-out test": np.diag(np.asarray(pooled["confusion_pct"], dtype=float)),
    }, index=paper.CLASSES[corpus]).rename_axis("recall % of")


def class_size_evidence(table: dict, class_sizes: dict[str, int]) -> pd.DataFrame:
    """For each row of a paper confusion matrix: the class's size in the whole corpus, and whether every cell
    is ``100 k / size`` for a whole number k (to the table's rounding), and the same for the size of a 20 %
    test set: the arithmetic that says whether a table counts the whole corpus or a held-out part."""
    rows = []
    for name, cells in zip(class_sizes, table["confusion_pct"]):
        size = class_sizes[name]
        test = int(round(0.2 * size))
        whole_ok = all(class_size_multiples(c, size) is not None for c in cells)
        test_ok = all(class_size_multiples(c, test) is not None for c in cells)
        diag = cells[list(class_sizes).index(name)]
        rows.append({"class": name, "size in corpus": size, "diagonal %": diag,
                     "diagonal as k / size": f"{class_size_multiples(diag, size)} / {size}" if whole_ok else "no",
                     "every cell k / size": whole_ok, "20 % test set size": test,
                     "every cell k / test size": test_ok})
    return pd.DataFrame(rows).set_index("class")


def weighted_average(table: dict, class_sizes: dict[str, int]) -> float:
    """The accuracy a confusion matrix implies over class sizes (sum of k_ii over the corpus size), to set
    beside the table's printed "average accuracy"."""
    sizes = np.asarray(list(class_sizes.values()), dtype=float)
    diag = np.diag(np.asarray(table["confusion_pct"], dtype=float))
    return float((diag * sizes).sum() / sizes.sum())


def whole_against_held_out(results: str | Path, summary: dict) -> pd.DataFrame:
    """Per fold of one protocol: held-out test accuracy against whole-database accuracy (training utterances
    included, the form of Tables 3-6), and the gap."""
    rows = []
    for f in summary["folds"]:
        rows.append({"fold": f["fold"], "held-out test %": round(f["accuracy"], 2),
                     "whole database %": round(f["whole_database_accuracy"], 2),
                     "gap (points)": round(f["whole_database_accuracy"] - f["accuracy"], 2)})
    return pd.DataFrame(rows).set_index("fold")


def provenance(summary: dict) -> str:
    """One paragraph: the command, commit, corpus, folds, seeds, engine, wall time and hardware of a protocol."""
    env = summary["environment"]
    cfg = summary["base_config"]
    folds = ", ".join(f["fold"] for f in summary["folds"])
    shown = ("seed", "seconds", "precision", "optimizer", "learning_rate", "batch_size", "bn_momentum", "selection")
    knobs = ", ".join(f"{k} {cfg[k]}" for k in shown if k in cfg)
    if summary["protocol"] == "speaker-dependent":
        knobs += f"; seeds {', '.join(str(f['seed']) for f in summary['folds'])}"
    label, code = records.code_version(summary["git"])
    return (f"`{summary['command']}` at {label} {code}; {summary['corpus']}; folds {folds}; "
            f"{knobs}; {len(summary['folds'])} folds in {summary['wall_seconds'] / 60:.1f} min on "
            f"{records.hardware_text(env)}.")


def verdict(protocols: dict, corpus: str, protocol: str, network: str = "2d", baseline: str = "svm-compare") -> str:
    """One sentence, computed from the records: the network's and the baseline's mean ± sd accuracy over the
    folds of ``protocol``, which is ahead and by how much, and on how many folds the network wins."""
    net, base = protocols.get((corpus, network, protocol)), protocols.get((corpus, baseline, protocol))
    if net is None or base is None:
        return f"**{protocol}**: {MODEL_NAMES[network]} and {MODEL_NAMES[baseline]} have not both been run."
    a = {f["fold"]: f["accuracy"] for f in net["folds"]}
    b = {f["fold"]: f["accuracy"] for f in base["folds"]}
    common = sorted(set(a) & set(b))
    wins = sum(a[k] > b[k] for k in common)
    diff = net["accuracy"]["mean"] - base["accuracy"]["mean"]
    who = f"the {MODEL_NAMES[network]} is ahead" if diff > 0 else f"the {MODEL_NAMES[baseline]} is ahead"
    text = (f"**{protocol}**: {MODEL_NAMES[network]} {net['accuracy']['mean']:.2f} ± {net['accuracy']['sd']:.2f} %, "
            f"{MODEL_NAMES[baseline]} {base['accuracy']['mean']:.2f} ± {base['accuracy']['sd']:.2f} %: {who} by "
            f"{abs(diff):.2f} points on average; the network wins {wins} of {len(common)} folds.")
    if len(common) >= 2:
        from ..stats import describe, paired_interval

        text += (" Paired fold by fold, network - baseline: "
                 + describe(paired_interval([a[k] - b[k] for k in common])) + ".")
    return text


def targets(protocols: dict, corpus: str = "emodb") -> pd.DataFrame:
    """The figures this reproduction set out to reach, each against this book's held-out result: the paper's
    Table 7(b) for each network and protocol, and the shallow baseline on the same LOSO folds."""
    rows = []
    for net, protocol in (("2d", "speaker-independent"), ("2d", "speaker-dependent"), ("1d", "speaker-independent"),
                          ("1d", "speaker-dependent")):
        s = protocols.get((corpus, net, protocol))
        goal = paper.TABLE_7B.get((corpus, protocol, net))
        rows.append({"target": f"{MODEL_NAMES[net]}, {PROTOCOL_NAMES[protocol]}: the paper's Table 7(b)",
                     "figure %": goal, "this book (held out) %": s["accuracy"]["mean"] if s else None,
                     "reached": bool(s and goal is not None and s["accuracy"]["mean"] >= goal) if s else None})
    net, base = protocols.get((corpus, "2d", "loso")), protocols.get((corpus, "svm-compare", "loso"))
    rows.append({"target": "2D CNN LSTM, LOSO: above ComParE + linear SVM on the same folds",
                 "figure %": base["accuracy"]["mean"] if base else None,
                 "this book (held out) %": net["accuracy"]["mean"] if net else None,
                 "reached": bool(net and base and net["accuracy"]["mean"] > base["accuracy"]["mean"])
                 if net and base else None})
    frame = pd.DataFrame(rows).set_index("target")
    frame["reached"] = frame["reached"].map({True: "yes", False: "no"}).fillna("not run")
    return frame


def runs_by_fold(groups: dict[str, list[dict]]) -> pd.DataFrame:
    """Held-out test accuracy per test fold (its speakers, e.g. ``03-08``) of several groups of run records,
    one column per group, with the mean ± sd over folds as the last row: the same folds under different
    settings, side by side."""
    table = {}
    for label, runs in groups.items():
        table[label] = {"-".join(r["split"]["test_speakers"]): round(r["metrics"]["test"]["accuracy"], 2) for r in runs}
    frame = pd.DataFrame(table)
    frame.index.name = "test speakers"
    stats = {label: _pm(mean_sd(list(frame[label].dropna()))) for label in frame}
    return pd.concat([frame.astype(object), pd.DataFrame(stats, index=["mean ± sd"])])



# --- Beyond the paper: the ladder (book/08_beyond.ipynb) ---------------------------------------------------

#: Where the ladder's protocol runs live under ``results/``: ``ladder/<si|loso>/<rung or baseline>/``.
LADDER_FOLDER = "ladder"
#: The baselines run beside the ladder, each with the training-fit and the per-speaker standardiser.
LADDER_BASELINES = tuple(f"{m}-{n}" for m in ("svm-compare", "svm-egemaps") for n in ("train", "speaker"))
BASELINE_NAMES = {f"{m}-{n}": f"{MODEL_NAMES[m]}, {'speaker-normalised' if n == 'speaker' else 'training fit'}"
                  for m in ("svm-compare", "svm-egemaps") for n in ("train", "speaker")}


def ladder_folder(results: str | Path, protocol: str = "si") -> Path:
    """``results/ladder/<protocol>``: one protocol folder per rung and per baseline."""
    return Path(results) / LADDER_FOLDER / protocol


def ladder_runs(results: str | Path, protocol: str = "si") -> dict[str, dict]:
    """The finished protocol summaries of the ladder (rungs in ladder order, then the baselines), by name;
    a rung whose protocol is not complete is left out (``ladder_table`` says "not run yet")."""
    from ..recipes import LADDER
    from ..stats import finished_summary

    folder = ladder_folder(results, protocol)
    found = {}
    known = [r.name for r in LADDER] + list(LADDER_BASELINES)
    others = sorted(p.parent.name for p in folder.glob("*/summary.json") if p.parent.name not in known)
    for name in known + others:
        summary = finished_summary(folder / name)
        if summary is not None:
            found[name] = summary
    return found


def _interval_text(i: dict) -> str:
    return f"{i['mean']:+.1f} [{i['low']:+.1f}, {i['high']:+.1f}]"


def _paired_text(a: str | Path, b: str | Path) -> str:
    """Protocol runs ``a`` and ``b`` paired fold by fold (:func:`sercnn.stats.compare`, accuracy): the mean
    difference and its 95 % CI, with ", within noise" where the interval holds zero."""
    from ..stats import compare

    return _with_verdict(compare(a, b)["accuracy"])


def _with_verdict(c: dict) -> str:
    from ..stats import verdict

    return _interval_text(c) + (", within noise" if verdict(c) == "within noise" else "")


def ladder_table(results: str | Path, protocol: str = "si") -> pd.DataFrame:
    """One row per rung of :data:`sercnn.recipes.LADDER`: its change, accuracy and UAR (mean ± sd over folds of
    the mean over seeds), the seed-to-seed sd, the seeds' ensemble and what it adds to their mean
    (:func:`sercnn.stats.ensemble_gain`, the issue's last rung, read from every rung's own seeds), and the paired
    comparison with the rung below (:func:`sercnn.stats.compare`: mean difference and 95 % CI in points, and the
    verdict: helps, within noise, hurts). Rungs not run yet say so."""
    from ..recipes import LADDER
    from ..stats import compare, ensemble_gain

    folder = ladder_folder(results, protocol)
    runs = ladder_runs(results, protocol)
    rows = []
    for i, rung in enumerate(LADDER):
        s = runs.get(rung.name)
        row = {"rung": rung.name, "change": rung.change}
        if s is None:
            rows.append({**row, "accuracy %": "not run yet"})
            continue
        row.update({"folds": len(s["folds"]), "seeds": s.get("n_seeds", 1),
                    "accuracy %": _pm(s["accuracy"]), "UAR %": _pm(s["uar"]),
                    "seed-to-seed sd": s.get("seed_sd", {}).get("accuracy"),
                    "ensemble accuracy %": _pm(s["ensemble"]["accuracy"]) if "ensemble" in s else None,
                    "ensemble vs its seeds": _interval_text(ensemble_gain(folder / rung.name))
                    if "ensemble" in s else None})
        below = LADDER[i - 1].name if i else None
        if below in runs:
            c = compare(folder / rung.name, folder / below)
            row["vs rung below: accuracy"] = _interval_text(c["accuracy"])
            row["vs rung below: UAR"] = _interval_text(c["uar"])
            row["verdict"] = {"A better": "helps", "B better": "hurts"}[c["accuracy"]["verdict"]] \
                if c["accuracy"]["verdict"] != "within noise" else "within noise"
        elif below:
            row["verdict"] = f"rung below ({below}) not run yet"
        else:
            row["verdict"] = "the base"
        rows.append(row)
    return pd.DataFrame(rows).set_index("rung")


def penalty_table(results: str | Path, rung: str | None = None) -> tuple[pd.DataFrame, dict | None]:
    """The L2 penalties of section 5.2 on rung ``rung`` (default: the pre-registered one), each pair's values
    chosen by a nested search on its training speakers (``results/ladder/si-l2/<rung>``, ``protocol
    --search-trials 6 --search-space l2``, :mod:`sercnn.search`): per fold the values found and the accuracy
    (mean over seeds), and the run paired with the rung without penalties (:func:`sercnn.stats.compare`, the
    accuracy's interval), or ``(empty frame, None)`` where it has not been run.

    Notebook: ``book/08_beyond.ipynb``.
    """
    from ..recipes import PREREGISTERED
    from ..stats import compare, finished_summary

    rung = rung or PREREGISTERED
    folder = Path(results) / LADDER_FOLDER / "si-l2" / rung
    summary = finished_summary(folder)
    if summary is None:
        return pd.DataFrame(), None
    rows = []
    for f in summary["folds"]:
        searched = (f.get("seeds") or [f])[0].get("searched") or {}
        rows.append({"fold": f["fold"], "L2 on weights": searched.get("l2_weight"),
                     "L2 on activity": searched.get("l2_activity"), "accuracy %": round(f["accuracy"], 2)})
    without = ladder_folder(results, "si") / rung
    c = compare(folder, without)["accuracy"] if finished_summary(without) is not None else None
    return pd.DataFrame(rows).set_index("fold"), c


def ladder_intervals(results: str | Path, protocol: str = "si", metric: str = "accuracy") -> pd.DataFrame:
    """Per rung and per baseline that has been run: the mean over folds of ``metric`` with its 95 % bootstrap
    interval over folds (the error bars and bands of the ladder figure), and for rungs the ensemble's mean."""
    from ..stats import mean_interval

    rows = []
    for name, s in ladder_runs(results, protocol).items():
        i = mean_interval([f[metric] for f in s["folds"]])
        ens = s.get("ensemble", {}).get(metric, {}).get("mean")
        rows.append({"name": name, "kind": "baseline" if name in LADDER_BASELINES else "rung",
                     "label": BASELINE_NAMES.get(name, name), "mean": i["mean"], "low": i["low"], "high": i["high"],
                     "ensemble": ens})
    return pd.DataFrame(rows, columns=["name", "kind", "label", "mean", "low", "high", "ensemble"]).set_index("name")


def against_baselines(results: str | Path, rung: str, protocol: str = "si") -> pd.DataFrame:
    """Rung ``rung`` paired with each baseline on the same folds: the mean difference (network - baseline) in
    accuracy and UAR with their 95 % intervals, and the verdict."""
    from ..stats import compare

    folder = ladder_folder(results, protocol)
    runs = ladder_runs(results, protocol)
    rows = []
    if rung not in runs:
        return pd.DataFrame(rows)
    for name in LADDER_BASELINES:
        if name not in runs:
            continue
        c = compare(folder / rung, folder / name)
        rows.append({"baseline": BASELINE_NAMES[name], "network - baseline, accuracy": _interval_text(c["accuracy"]),
                     "network - baseline, UAR": _interval_text(c["uar"]),
                     "Wilcoxon p (accuracy)": round(c["accuracy"]["p"], 3),
                     "verdict": {"A better": "network ahead", "B better": "baseline ahead"}.get(
                         c["accuracy"]["verdict"], "within noise")})
    return pd.DataFrame(rows).set_index("baseline") if rows else pd.DataFrame(rows)


def training_minutes(summary: dict) -> float:
    """Minutes every run of a protocol spent fitting (:func:`sercnn.records.train_seconds`, summed over folds and
    seeds). Unlike the summary's ``wall_seconds``, which times only the command that wrote it, this counts the runs
    that earlier, interrupted commands finished and a resumed one kept."""
    runs = [r for f in summary["folds"] for r in (f.get("seeds") or [f])]
    return round(sum(r.get("train_seconds") or 0.0 for r in runs) / 60, 1)


def run_machines(protocol_dir: str | Path) -> str:
    """The distinct machines the runs of a protocol folder ran on, from their own records (a resumed protocol
    can span machines; its summary names only the last command's), with the number of runs on each."""
    from collections import Counter

    from ..stats import fold_runs

    counts = Counter(records.hardware_text(r["environment"]) for runs in fold_runs(protocol_dir).values()
                     for r in runs)
    if len(counts) == 1:
        return next(iter(counts))
    return "; ".join(f"{n} run{'s' * (n != 1)}: {hw}" for hw, n in counts.most_common())


def ladder_provenance(results: str | Path, protocol: str = "si") -> pd.DataFrame:
    """One compact row per protocol run of the ladder: the command, the commit, the seeds, the minutes its runs
    trained (:func:`training_minutes`), the wall time of the command that wrote the summary, and the machines
    its runs ran on (:func:`run_machines`)."""
    rows = []
    folder = ladder_folder(results, protocol)
    for name, s in ladder_runs(results, protocol).items():
        rows.append({"run": name, "command": s["command"], "commit": records.code_version(s["git"])[1],
                     "seeds": s.get("n_seeds", 1), "training (min)": training_minutes(s),
                     "last command's wall time (min)": round(s["wall_seconds"] / 60, 1),
                     "hardware": run_machines(folder / name)})
    return pd.DataFrame(rows).set_index("run") if rows else pd.DataFrame(rows)


def seed_table(summary: dict) -> pd.DataFrame:
    """Per fold of a protocol run with ``--seeds``: each seed's held-out accuracy, their mean and sd, and the
    ensemble's accuracy: how far one run per fold can move with nothing but the seed."""
    rows = []
    for f in summary["folds"]:
        row = {"fold": f["fold"]}
        for s in f.get("seeds", [f]):
            row[f"seed {s.get('model_seed', s.get('seed'))} %"] = round(s["accuracy"], 2)
        row["mean %"] = round(f["accuracy"], 2)
        row["sd over seeds"] = round(f.get("seed_sd", {}).get("accuracy", 0.0), 2)
        if "ensemble" in f:
            row["ensemble %"] = round(f["ensemble"]["accuracy"], 2)
        rows.append(row)
    return pd.DataFrame(rows).set_index("fold")


#: The committed one-seed protocols that ``bench/reruns.sh`` runs again with 3 model seeds: ``(model, protocol)``.
RERUNS = (("2d", "speaker-independent"), ("2d", "loso"), ("1d", "speaker-independent"))


def rerun_comparisons(results: str | Path, baseline: str = "svm-compare") -> dict[tuple[str, str, str], dict]:
    """The committed one-seed protocols of chapter 7 beside their reruns with model seeds (``bench/reruns.sh``,
    :func:`load_protocols` with ``seeded=True``), keyed ``(corpus, model, protocol)`` like :func:`load_protocols`:
    the rerun's summary (``"seeds"``), the one-seed run's (``"one seed"``, or None), and the accuracy intervals
    (mean difference and 95 % CI in points, :func:`sercnn.stats.compare`; None where a run is missing) of the
    rerun minus the one-seed run (how far one draw lay from the seeds' mean), of each of the two minus
    ``baseline`` (ComParE + SVM, training fit; its name in ``"baseline"``) on the same folds, and of the rerun's
    ensemble minus it (:func:`sercnn.stats.ensemble_against`). Computed once (the bootstraps read every fold
    record), then handed to :func:`rerun_table` and :func:`rerun_verdicts`."""
    from ..stats import compare, ensemble_against

    root = Path(results)
    single, seeded = load_protocols(root), load_protocols(root, seeded=True)

    def _paired(a: dict | None, b: dict | None) -> dict | None:
        return compare(root / a["_folder"], root / b["_folder"])["accuracy"] if a and b else None

    out = {}
    for key, s in sorted(seeded.items()):
        corpus, _, protocol = key
        one, base = single.get(key), single.get((corpus, baseline, protocol))
        out[key] = {"seeds": s, "one seed": one, "baseline": baseline, "seeds minus one seed": _paired(s, one),
                    "one seed minus baseline": _paired(one, base), "seeds minus baseline": _paired(s, base),
                    "ensemble minus baseline": ensemble_against(root / s["_folder"], root / base["_folder"])
                    if base and "ensemble" in s else None}
    return out


def rerun_table(comparisons: dict[tuple[str, str, str], dict]) -> pd.DataFrame:
    """One row per rerun of ``comparisons`` (:func:`rerun_comparisons`): the one-seed run's accuracy, the rerun's
    mean ± sd over folds of the mean over seeds, its seed-to-seed sd and ensemble, and its paired intervals
    (network minus baseline, mean and 95 % CI in points, "within noise" where the interval holds zero).

    Notebook: ``book/07_results.ipynb``.
    """
    rows = []
    for (corpus, model, protocol), c in comparisons.items():
        s, one = c["seeds"], c["one seed"]
        row = {"protocol": protocol, "model": model, "corpus": corpus, "seeds": s.get("n_seeds", 1),
               "folds": len(s["folds"]), "accuracy %": _pm(s["accuracy"]), "UAR %": _pm(s["uar"]),
               "seed-to-seed sd": s.get("seed_sd", {}).get("accuracy"),
               "ensemble accuracy %": _pm(s["ensemble"]["accuracy"]) if "ensemble" in s else None,
               "folder": s["_folder"]}
        if one is not None:
            row["one seed: accuracy %"] = _pm(one["accuracy"])
        for key in ("seeds minus one seed", "one seed minus baseline", "seeds minus baseline",
                    "ensemble minus baseline"):
            if c[key] is not None:
                row[key.replace("baseline", c["baseline"])] = _with_verdict(c[key])
        rows.append(row)
    return pd.DataFrame(rows).set_index(["protocol", "model"]) if rows else pd.DataFrame()


def _ahead(interval: dict) -> str:
    """A network-minus-baseline interval's verdict in words: "within noise", or which side is ahead."""
    from ..stats import verdict

    v = verdict(interval, "the network", "the baseline")
    return v if v == "within noise" else f"real, {v.removesuffix(' better')} ahead"


def rerun_verdicts(comparisons: dict[tuple[str, str, str], dict], corpus: str = "emodb") -> str:
    """One markdown line per rerun of ``comparisons`` (:func:`rerun_comparisons`) on ``corpus``: the rerun's
    accuracy and seed-to-seed sd, how far the one-seed run lay from the seeds' mean, and the verdict against the
    baseline with one seed and with the seeds, saying whether the seeds kept it or changed it.

    Notebook: ``book/07_results.ipynb``.
    """
    from ..stats import verdict

    lines = []
    order = {(model, protocol): i for i, (model, protocol) in enumerate(RERUNS)}
    found = {(m, p): c for (corp, m, p), c in comparisons.items() if corp == corpus}
    for (model, protocol), c in sorted(found.items(), key=lambda kv: order.get(kv[0], len(order))):
        s = c["seeds"]
        text = (f"- **{MODEL_NAMES.get(model, model)}, {'LOSO' if protocol == 'loso' else protocol}** "
                f"({s.get('n_seeds', 1)} seeds x {len(s['folds'])} folds): "
                f"{_pm(s['accuracy'])} % (seed-to-seed sd {s.get('seed_sd', {}).get('accuracy', 0.0):.2f})")
        moved = c["seeds minus one seed"]
        if moved is not None:
            text += (f"; the seeds' mean minus the one-seed run: {_interval_text(moved)} points "
                     f"({'within noise' if verdict(moved) == 'within noise' else 'real'})")
        one, seeds = c["one seed minus baseline"], c["seeds minus baseline"]
        if seeds is not None:
            text += (f". Against {MODEL_NAMES.get(c['baseline'], c['baseline'])}: with seeds {_interval_text(seeds)} "
                     f"({_ahead(seeds)})")
            if one is not None:
                kept = _ahead(one) == _ahead(seeds)
                text += (f", with one seed {_interval_text(one)} ({_ahead(one)}): "
                         + ("**the seeds keep the verdict**" if kept else "**the seeds change the verdict**"))
            ens = c["ensemble minus baseline"]
            if ens is not None:
                text += f"; the ensemble of the seeds against it: {_interval_text(ens)} ({_ahead(ens)})"
        lines.append(text + ".")
    return "\n".join(lines)


def paired_single_runs(a: list[dict], b: list[dict], metric: str = "accuracy") -> dict:
    """Two sets of run records on the same test folds (matched by their test speakers), one run per fold each:
    the per-fold differences A - B and their paired interval (:func:`sercnn.stats.paired_interval`)."""
    from ..stats import paired_interval

    by_a = {"-".join(r["split"]["test_speakers"]): r for r in a}
    by_b = {"-".join(r["split"]["test_speakers"]): r for r in b}
    common = [k for k in by_a if k in by_b]
    for k in common:
        if sorted(by_a[k]["split"]["test_utterances"]) != sorted(by_b[k]["split"]["test_utterances"]):
            raise ValueError(f"fold {k}: the two runs were tested on different utterances")
    diffs = {k: by_a[k]["metrics"]["test"][metric] - by_b[k]["metrics"]["test"][metric] for k in common}
    return {"differences": diffs, **paired_interval(list(diffs.values()))}


def ladder_best(results: str | Path, protocol: str = "si") -> str | None:
    """The rung with the highest mean held-out accuracy among those run (ties: the lower rung)."""
    runs = {k: v for k, v in ladder_runs(results, protocol).items() if k not in LADDER_BASELINES}
    if not runs:
        return None
    return max(runs, key=lambda k: runs[k]["accuracy"]["mean"])


def ladder_verdicts(table: pd.DataFrame) -> str:
    """One line per rung of :func:`ladder_table`: its change and its verdict against the rung below, with the
    interval, in markdown."""
    lines = []
    for rung, row in table.iterrows():
        if row.get("accuracy %") == "not run yet":
            lines.append(f"- **{rung}** ({row['change']}): not run yet.")
        elif isinstance(row.get("vs rung below: accuracy"), str):
            lines.append(f"- **{rung}** ({row['change']}): **{row['verdict']}**, accuracy {row['accuracy %']} %; "
                         f"against the rung below {row['vs rung below: accuracy']} points (mean [95 % CI]).")
        else:
            lines.append(f"- **{rung}** ({row['change']}): accuracy {row['accuracy %']} % ({row['verdict']}).")
    return "\n".join(lines)


def targets_beyond(results: str | Path) -> pd.DataFrame:
    """The targets of "beyond the paper", each with what the records say: the pre-registered rung of the ladder
    (:data:`sercnn.recipes.PREREGISTERED`, fixed before any rung ran) against ComParE + linear SVM with speaker
    normalisation on the same folds (SI and LOSO; reached only when the paired interval is above zero), the same
    rung against that baseline across corpora (issue "does it generalise": at least level, i.e. the interval paired
    by test speaker not below zero), and the 1D network against the paper's 57.14 % (SI)."""
    from ..recipes import PREREGISTERED
    from ..stats import compare

    rows = []
    for protocol, name in (("si", "speaker-independent pairs"), ("loso", "LOSO")):
        runs = ladder_runs(results, protocol)
        best = PREREGISTERED if PREREGISTERED in runs else None
        base = "svm-compare-speaker"
        if best is None or base not in runs:
            rows.append({"target": f"2D network above speaker-normalised ComParE + SVM, {name}",
                         "measured": "not run yet", "reached": "not run yet"})
            continue
        c = compare(ladder_folder(results, protocol) / best, ladder_folder(results, protocol) / base)["accuracy"]
        rows.append({"target": f"2D network above speaker-normalised ComParE + SVM, {name}",
                     "measured": f"rung {best}: {runs[best]['accuracy']['mean']:.2f} % against "
                                 f"{runs[base]['accuracy']['mean']:.2f} %; difference {_interval_text(c)}",
                     "reached": "yes" if c["low"] > 0 else "no"})
    cross = cross_corpus_runs(results)
    for direction, name in [(d, n) for d in sorted({d for d, _ in cross})
                            for n in (PREREGISTERED, f"{PREREGISTERED}{TRIMMED}")]:
        target = (f"2D network at least level with speaker-normalised ComParE + SVM across corpora, "
                  f"{direction.replace('-to-', ' → ')}")
        if name != PREREGISTERED:
            target += ", each file cut to its sound first"
        net, base = cross.get((direction, name)), cross.get((direction, "svm-compare-speaker"))
        if net is None or base is None:
            if name == PREREGISTERED:
                rows.append({"target": target, "measured": "not run yet", "reached": "not run yet"})
            continue
        c = cross_corpus_compare(net, base)
        n_seeds = len(seed_records(net))
        accuracy = net["seeds"]["accuracy"] if n_seeds > 1 else net["metrics"]["test"]["accuracy"]
        rows.append({"target": target,
                     "measured": f"{name} ({n_seeds} seed{'s' if n_seeds > 1 else ''}): {accuracy:.2f} % "
                                 f"against {base['metrics']['test']['accuracy']:.2f} %; difference by test speaker "
                                 f"{_interval_text(c)}",
                     "reached": "yes, above" if c["low"] > 0 else "yes, level (within noise)" if c["high"] >= 0
                     else "no"})
    rows.append(one_d_target(results))
    return pd.DataFrame(rows).set_index("target")


def _against_figure(values: list[float], figure: float) -> tuple[dict, str]:
    """The mean of per-fold ``values`` with its 95 % CI (:func:`sercnn.stats.mean_interval`), and where a printed
    ``figure`` falls: "above" (the interval above it), "level (within noise)" (the interval holds it), "below"."""
    from ..stats import mean_interval

    i = mean_interval(values)
    return i, "above" if i["low"] > figure else "level (within noise)" if i["high"] >= figure else "below"


def one_d_target(results: str | Path) -> dict:
    """The 1D target of "beyond the paper": every 1D protocol with model seeds (the ladder's ``si-1d`` rungs and
    chapter 7's rerun of the defaults, ``bench/reruns.sh``) against the paper's Table 7(b) figure, one network (the
    mean over seeds) and the ensemble of its seeds, each a mean over the five pairs with its 95 % CI; reached where
    an interval is above the figure, level where one holds it."""
    figure = paper.TABLE_7B[("emodb", "speaker-independent", "1d")]
    runs = dict(ladder_runs(results, "si-1d"))
    rerun = load_protocols(results, seeded=True).get(("emodb", "1d", "speaker-independent"))
    if rerun is not None:
        runs["protocol defaults"] = rerun
    target = f"1D network at least {figure} % speaker-independent (the paper's Table 7(b))"
    if not runs:
        return {"target": target, "measured": "not run yet", "reached": "not run yet"}
    measured, verdicts = [], {"one network": [], "ensemble of its seeds": []}
    for name, s in runs.items():
        single, v = _against_figure([f["accuracy"] for f in s["folds"]], figure)
        text = f"{name}: {single['mean']:.2f} % [{single['low']:.1f}, {single['high']:.1f}]"
        verdicts["one network"].append(v)
        if all("ensemble" in f for f in s["folds"]):
            ens, v = _against_figure([f["ensemble"]["accuracy"] for f in s["folds"]], figure)
            text += f", ensemble {ens['mean']:.2f} % [{ens['low']:.1f}, {ens['high']:.1f}]"
            verdicts["ensemble of its seeds"].append(v)
        measured.append(text)
    rank = ("above", "level (within noise)", "below")
    reached = "; ".join(f"{what}: {min(found, key=rank.index)}" for what, found in verdicts.items() if found)
    return {"target": target, "measured": "; ".join(measured) + " (mean over the pairs [95 % CI])",
            "reached": reached}


def stopping_table(protocol_dir: str | Path, last: int = 5) -> pd.DataFrame:
    """Was each run of a protocol folder still learning when early stopping ended it? Per run (fold, or fold and
    seed): epochs run, the kept epoch, the validation set's size, training accuracy at the kept epoch and at
    the end, its rise over the ``last`` epochs (points), and the best validation accuracy. A training accuracy
    still rising by several points when the run stopped, on a validation set of some forty utterances, is a model
    chosen by noise before it had learned (issue 14, part 4).

    Notebook: ``book/04_1d_cnn_lstm.ipynb``.
    """
    from ..stats import fold_runs

    rows = []
    for fold, runs in fold_runs(protocol_dir).items():
        for r in runs:
            acc = 100 * np.asarray(r["history"]["accuracy"], dtype=float)
            best = int(r["training"]["best_epoch"])
            label = fold if len(runs) == 1 else f"{fold} seed {r['split'].get('model_seed', 0)}"
            rows.append({"run": label, "epochs run": int(r["training"]["epochs_run"]), "kept epoch": best,
                         "validation utterances": int(r["split"]["n_validation"]),
                         "train acc. at kept epoch %": round(float(acc[best - 1]), 1),
                         "train acc. at the end %": round(float(acc[-1]), 1),
                         f"rise over the last {last} epochs": round(float(acc[-1] - acc[max(0, len(acc) - 1 - last)]),
                                                                     1),
                         "best val. acc. %": round(float(r["training"]["best_val_accuracy"]), 1),
                         "test acc. %": round(float(r["metrics"]["test"]["accuracy"]), 1)})
    return pd.DataFrame(rows).set_index("run")


# --- Whole database or held out: Table 7 split into test and training (book/07_results.ipynb) --------------


def speaker_sizes(corpus: str = "emodb") -> dict[str, int]:
    """Utterances per speaker of ``corpus``, counted from the corpus' committed file list (EmoDB: the 535 names
    of :func:`sercnn.datasets.emodb.expected_files`, whose first two characters are the speaker), so that the
    arithmetic below needs no audio."""
    if corpus != "emodb":
        raise ValueError(f"speaker sizes are committed for EmoDB only, not {corpus!r}")
    from collections import Counter

    from ..datasets.emodb import expected_files

    return dict(sorted(Counter(name[:2] for name in expected_files()).items()))


def _fractions(percent: float, n: int) -> list[int]:
    """Every whole k with 100 k / n equal to ``percent`` to its printed two decimals."""
    return [k for k in range(n + 1) if abs(100 * k / n - percent) < 0.005 + 1e-9]


def split_arithmetic(corpus: str = "emodb", sizes: dict[str, int] | None = None,
                     test_share: float = 0.2) -> pd.DataFrame:
    """Each Table 7 cell of ``corpus`` split into its held-out part and its training part.

    For a cell (protocol, network): k = round(7(a) x N / 100) utterances recognised in the whole corpus (N
    utterances); every test-set size n_test that the protocol allows and that has a whole k_test with
    100 k_test / n_test equal to 7(b) to its printed two decimals; and the training recognition that then
    remains, (k - k_test) / (N - n_test). Test-set sizes tried: speaker-dependent, the paper's 20 %
    (``test_share``, section 4.1) and every speaker pair of that size; speaker-independent, every pair of
    speakers (section 4.2: "the data of other two subjects are chosen as the testing set"); both protocols also
    the whole corpus (n_test = N: every utterance tested once, as pooled cross-validation would give), where
    nothing is left for training and 7(a) would have to equal 7(b). ``sizes``: utterances per speaker (default
    :func:`speaker_sizes`). One row per consistent candidate.

    Notebook: ``book/07_results.ipynb``.
    """
    from itertools import combinations

    sizes = speaker_sizes(corpus) if sizes is None else sizes
    total = sum(sizes.values())
    pairs = {f"{a} + {b}": sizes[a] + sizes[b] for a, b in combinations(sorted(sizes), 2)}
    rows = []
    for protocol in ("speaker-dependent", "speaker-independent"):
        for net in ("1d", "2d"):
            key = (corpus, protocol, net)
            if key not in paper.TABLE_7A:
                continue
            a, b = paper.TABLE_7A[key], paper.TABLE_7B[key]
            k = round(a * total / 100)
            if protocol == "speaker-dependent":
                share = int(round(test_share * total))
                cands = {f"random {100 * test_share:g} %": share,
                         **{f"pair {p}": n for p, n in pairs.items() if n == share}}
            else:
                cands = {f"pair {p}": n for p, n in pairs.items()}
            cands["whole corpus (pooled folds)"] = total
            for test_set, n in cands.items():
                for k_test in _fractions(b, n):
                    n_train, k_train = total - n, k - k_test
                    feasible = 0 <= k_train <= n_train and (n_train > 0 or k_train == 0)
                    rows.append({
                        "protocol": PROTOCOL_NAMES[protocol], "network": net.upper(),
                        "7(a) %": a, "k = 7(a) x N": k, "N": total, "7(b) %": b, "test set": test_set,
                        "n_test": n, "k_test": k_test, "n_train": n_train, "k_train": k_train,
                        "training recognised %": round(100 * k_train / n_train, 2) if n_train else None,
                        "feasible": feasible,
                    })
    columns = ["protocol", "network", "7(a) %", "k = 7(a) x N", "N", "7(b) %", "test set", "n_test", "k_test",
               "n_train", "k_train", "training recognised %", "feasible"]
    return pd.DataFrame(rows, columns=columns)


def split_reading(frame: pd.DataFrame) -> dict:
    """What :func:`split_arithmetic` says, as data: per cell, the feasible split with the highest training
    recognition (for speaker-independent cells only pairs consistent with *both* networks count, since one
    split served both, where such a pair exists); the pairs consistent with both SI cells; and whether the whole
    corpus (pooled folds) is feasible for any cell."""
    ok = frame[frame["feasible"] & (frame["n_train"] > 0)]
    si = ok[ok["protocol"] == "SI"]
    per_net = [set(g["test set"]) for _, g in si.groupby("network")]
    shared = sorted(set.intersection(*per_net)) if per_net else []
    best = {}
    for (protocol, net), g in ok.groupby(["protocol", "network"], sort=False):
        if protocol == "SI" and shared:
            g = g[g["test set"].isin(shared)]
        row = g.sort_values(["training recognised %", "n_test"], ascending=[False, True]).iloc[0]
        best[(protocol, net)] = row.to_dict()
    pooled = frame[frame["test set"].str.startswith("whole corpus")]
    return {"cells": best, "si_shared_pairs": shared,
            "pooled_feasible": bool((pooled["feasible"] & (pooled["n_train"] > 0)).any()
                                    or (pooled["feasible"] & (pooled["k_train"] == 0)).any()),
            "single_si_pair": {net: list(g["test set"]) for net, g in si.groupby("network")}}


def split_sentences(frame: pd.DataFrame) -> str:
    """One markdown line per Table 7 cell: the whole-corpus count split into test and training, from
    :func:`split_reading`."""
    reading = split_reading(frame)
    lines = []
    for (protocol, net), r in reading["cells"].items():
        lines.append(f"- **{protocol} {net}**: 7(a) {r['7(a) %']:.2f} % of {r['N']} = **{r['k = 7(a) x N']}** = "
                     f"{r['k_test']} / {r['n_test']} test ({r['test set']}; {100 * r['k_test'] / r['n_test']:.2f} %, "
                     f"7(b) prints {r['7(b) %']:.2f}) + {r['k_train']} / {r['n_train']} training "
                     f"({r['training recognised %']:.1f} %)")
    return "\n".join(lines)


# --- Provenance of the protocol runs, compact (book/07_results.ipynb) --------------------------------------


def protocol_provenance(protocols: dict) -> pd.DataFrame:
    """One compact row per protocol run (model, protocol): the command, the commit, the seeds, the folds, the
    input window and precision of the networks, the wall time and the hardware, read from each summary (the
    form of :func:`ladder_provenance`)."""
    rows = []
    for (corpus, model, protocol), s in sorted(protocols.items(), key=lambda kv: (kv[0][2], kv[0][1])):
        env, cfg = s["environment"], s.get("base_config", {})
        seeds = sorted({f.get("seed", cfg.get("seed")) for f in s["folds"]} - {None})
        rows.append({
            "run": f"{MODEL_NAMES.get(model, model)}, {PROTOCOL_NAMES.get(protocol, protocol)}",
            "command": s["command"],
            "commit": records.code_version(s["git"])[1],
            "folds": len(s["folds"]), "seeds": ", ".join(str(x) for x in seeds),
            "window (s)": cfg.get("seconds") if cfg.get("seconds") is not None else "whole clip",
            "precision": cfg.get("precision") or "–",
            "wall time (min)": round(s["wall_seconds"] / 60, 1),
            "hardware": records.hardware_text(env),
        })
    return pd.DataFrame(rows).set_index("run") if rows else pd.DataFrame(rows)


def pooled_metrics(summary: dict) -> dict:
    """A protocol's pooled held-out test (``summary["pooled_test"]``: the confusion counts of every fold's test
    speakers added up) as :func:`sercnn.evaluation.metrics_from_confusion` scores it, UAR included, for
    :func:`sercnn.book.plots.confusion_matrix`; ``n`` and ``accuracy`` are the summary's own.

    Notebook: ``book/07_results.ipynb`` (the pooled confusion beside the paper's Tables 3 and 5).
    """
    from ..evaluation import metrics_from_confusion

    pooled = summary["pooled_test"]
    return {**metrics_from_confusion(pooled["confusion"], pooled["classes"]), "n": pooled["n"],
            "accuracy": pooled["accuracy"]}


def training_against_inference(runs: dict, key: str = "momentum") -> pd.DataFrame:
    """The same weights in BatchNorm's two modes, one pair of rows per run of ``runs`` (``{label: record}``,
    as :func:`sercnn.experiment.run_variants` returns them; the label goes into column ``key``): the training
    accuracy of the last epoch (batch statistics) and the accuracy on all utterances after training (moving
    statistics), in percent.

    Notebook: ``book/05_2d_cnn_lstm.ipynb`` (the BatchNorm pitfall).
    """
    rows = []
    for label, record in runs.items():
        rows += [
            {key: label, "mode": "training (batch statistics), last epoch",
             "accuracy %": 100 * record["history"]["accuracy"][-1]},
            {key: label, "mode": "inference (moving statistics), all utterances",
             "accuracy %": record["metrics"]["whole_database"]["accuracy"]},
        ]
    return pd.DataFrame(rows, columns=[key, "mode", "accuracy %"])


# --- Chapter 8: across corpora (issue 12) -------------------------------------------------------------------

#: ``results/cross-corpus/<train>-to-<test>/<model>-<normalise>/``: one protocol folder per direction and model.
CROSS_FOLDER = "cross-corpus"
#: The suffix of a network configuration run with each file cut to its sound (``--trim-db 40``,
#: ``bench/cross_corpus.sh``).
TRIMMED = "-trim40"


#: ``results/ravdess/loso/<configuration>/``: RAVDESS leave one actor out (``bench/ravdess.sh``).
RAVDESS_LOSO = Path("ravdess") / "loso"


def within_corpus_runs(folder: str | Path) -> dict[str, dict]:
    """The finished protocol folders under ``folder`` (e.g. ``results/`` + :data:`RAVDESS_LOSO`), ``{name:
    summary}``, in name order; unfinished ones (a run stopped part way) are left out."""
    from ..stats import finished_summary

    found = {p.parent.name: finished_summary(p.parent) for p in sorted(Path(folder).glob("*/summary.json"))}
    return {name: s for name, s in found.items() if s is not None}


def chosen_c(protocol_dir: str | Path) -> str | None:
    """How often each penalty ``C`` of the grid was chosen over a baseline protocol's folds (each fold's inner
    cross-validation on its training speakers, ``record['selection']['c']``), e.g. ``'1e-04 × 23, 1e-03 × 1'``,
    smallest first; None for a network. A choice at the grid's edge in most folds says the grid may stop short of
    the baseline's best (:data:`sercnn.config.C_GRID`).

    Notebook: ``book/08_beyond.ipynb``.
    """
    from ..stats import fold_runs

    chosen = Counter(r["selection"].get("c") for runs in fold_runs(protocol_dir).values() for r in runs
                     if r["kind"] == "baseline")
    return ", ".join(f"{c:.0e} × {n}" for c, n in sorted(chosen.items())) if chosen else None


def within_corpus_table(folder: str | Path,
                        against: Sequence[str] = ("svm-compare-speaker", "svm-egemaps-speaker", "svm-compare-train",
                                                  "svm-egemaps-train")) -> pd.DataFrame:
    """One row per finished protocol folder under ``folder`` (e.g. ``results/`` + :data:`RAVDESS_LOSO`): folds,
    seeds, accuracy and UAR (mean ± sd over folds of the mean over seeds) with the 95 % bootstrap interval of the
    mean, and each configuration paired fold by fold (:func:`sercnn.stats.compare`) against each baseline of
    ``against`` that is finished there, one column per baseline; a configuration run with seeds also pairs the
    ensemble of its seeds with each baseline (:func:`sercnn.stats.ensemble_against`); a baseline gives the ``C``
    its folds chose (:func:`chosen_c`).

    Notebook: ``book/08_beyond.ipynb``.
    """
    from ..stats import ensemble_against, mean_interval

    folder = Path(folder)
    runs = within_corpus_runs(folder)
    rows = []
    for name, s in runs.items():
        per_fold = [f["accuracy"] for f in s["folds"]]
        ci = mean_interval(per_fold) if len(per_fold) > 1 else None
        seeded = "ensemble" in s and s.get("n_seeds", 1) > 1
        row = {"configuration": name, "folds": len(s["folds"]), "seeds": s.get("n_seeds", 1),
               "accuracy %": _pm(s["accuracy"]), "UAR %": _pm(s["uar"]),
               "95 % CI of the accuracy": f"[{ci['low']:.1f}, {ci['high']:.1f}]" if ci else None,
               "ensemble accuracy %": _pm(s["ensemble"]["accuracy"]) if seeded else None,
               "C chosen (folds)": chosen_c(folder / name)}
        for baseline in against:
            if name != baseline and baseline in runs:
                row[f"minus {baseline}"] = _paired_text(folder / name, folder / baseline)
                if seeded:
                    row[f"ensemble minus {baseline}"] = _with_verdict(ensemble_against(folder / name,
                                                                                       folder / baseline))
        rows.append(row)
    return pd.DataFrame(rows).set_index("configuration").dropna(axis=1, how="all") if rows else pd.DataFrame()


def cross_corpus_runs(results: str | Path) -> dict[tuple[str, str], dict]:
    """The finished cross-corpus runs, ``{(direction, configuration): record}``. A network run with model seeds
    gives its first seed's record, with every seed's record in ``record['seed_records']`` (which
    :func:`cross_corpus_table` and :func:`per_speaker_accuracy` average over) and the seeds' mean accuracy, UAR
    and ensemble in ``record['seeds']``.

    Notebook: ``book/08_beyond.ipynb``.
    """
    from ..stats import finished_summary, fold_runs

    found = {}
    for summary_path in sorted((Path(results) / CROSS_FOLDER).glob("*/*/summary.json")):
        summary = finished_summary(summary_path.parent)
        if summary is None:
            continue
        every = fold_runs(summary_path.parent)[summary["folds"][0]["fold"]]
        record = every[0]
        if len(every) > 1:
            record = {**record, "seed_records": every,
                      "seeds": {"n": len(every), "accuracy": summary["accuracy"]["mean"],
                                "uar": summary["uar"]["mean"], "ensemble": summary.get("ensemble")}}
        found[(summary_path.parent.parent.name, summary_path.parent.name)] = record
    return found


def cross_corpus_table(runs: dict[tuple[str, str], dict]) -> pd.DataFrame:
    """One row per cross-corpus run: direction, configuration, accuracy, UAR and the recall of each shared class
    (in %), chance (one over the classes), and the classes each corpus left out.

    Notebook: ``book/08_beyond.ipynb``.
    """
    rows = []
    for (direction, name), r in runs.items():
        test = r["metrics"]["test"]
        info = r["corpus"].get("cross_corpus", {})
        seeds = r.get("seeds")
        rows.append({
            "direction": direction.replace("-to-", " → "), "model": name,
            "accuracy %": round(seeds["accuracy"] if seeds else test["accuracy"], 2),
            "UAR %": round(seeds["uar"] if seeds else test["uar"], 2),
            "chance %": round(100 / len(test["classes"]), 2),
            **{f"recall {c}": round(float(np.mean([s["metrics"]["test"]["per_class_recall"][c]
                                                   for s in seed_records(r)])), 1) for c in test["classes"]},
            "left out": "; ".join(f"{k}: {', '.join(v['classes']) or 'none'}"
                                  for k, v in info.get("left_out", {}).items()),
        })
    return pd.DataFrame(rows).set_index(["direction", "model"]) if rows else pd.DataFrame()


def travelling_emotions(table: pd.DataFrame, margin: float = 10.0) -> pd.DataFrame:
    """Per direction, the shared classes whose mean recall is above chance by more than ``margin`` points
    ("travels") or not ("does not travel"), over the runs with speaker normalisation (the baselines'
    ``*-speaker`` and the networks' recipes, which include it): with the training fit every model collapses onto
    one or two classes of the other corpus, which says more about the recording than about the emotions.
    From :func:`cross_corpus_table`.

    Notebook: ``book/08_beyond.ipynb``.
    """
    recall = [c for c in table.columns if c.startswith("recall ")]
    models = table.index.get_level_values("model")
    table = table[[m.endswith("-speaker") or not m.startswith("svm-") for m in models]]
    rows = []
    for direction, part in table.groupby(level="direction"):
        chance = float(part["chance %"].iloc[0])
        means = part[recall].mean()
        rows.append({"direction": direction,
                     "travels": ", ".join(c[7:] for c in recall if means[c] > chance + margin) or "none",
                     "does not travel": ", ".join(c[7:] for c in recall if means[c] <= chance + margin) or "none"})
    return pd.DataFrame(rows).set_index("direction")


def seed_records(record: dict) -> list[dict]:
    """The records of every model seed of a run from :func:`cross_corpus_runs` (``[record]`` for one seed)."""
    return record.get("seed_records") or [record]


def pooled_seed_metrics(record: dict) -> dict:
    """The test metrics of a run from :func:`cross_corpus_runs` with its seeds' confusion matrices summed
    (:func:`sercnn.evaluation.metrics_from_confusion`): one confusion matrix for a run of several seeds.

    Notebook: ``book/08_beyond.ipynb``.
    """
    from ..evaluation import metrics_from_confusion

    every = seed_records(record)
    counts = np.sum([np.asarray(s["metrics"]["test"]["confusion"]) for s in every], axis=0)
    return metrics_from_confusion(counts, record["metrics"]["test"]["classes"])


def per_speaker_accuracy(record: dict) -> pd.Series:
    """A run's test accuracy (%) per test speaker, from its recorded test utterances and predictions, averaged
    over its model seeds (a cross-corpus run tests every speaker of the other corpus: they are the units of its
    interval).

    Notebook: ``book/08_beyond.ipynb``.
    """
    from ..datasets import speaker_of

    test_corpus = record["config"].get("test_corpus") or record["corpus"]["name"]
    speakers = [speaker_of(test_corpus, u) for u in record["split"]["test_utterances"]]
    right = np.mean([np.asarray(s["test_predictions"]) == np.asarray(s["test_labels"])
                     for s in seed_records(record)], axis=0)
    return pd.Series(100 * right, index=speakers, dtype=float).groupby(level=0).mean()


def cross_corpus_compare(a: dict, b: dict) -> dict:
    """Run ``a`` minus run ``b`` on the same test utterances, paired by test speaker: the mean difference of
    per-speaker accuracy with its bootstrap 95 % CI and Wilcoxon p (:func:`sercnn.stats.paired_interval`).

    Notebook: ``book/08_beyond.ipynb``.
    """
    from .. import stats

    every = [*seed_records(a), *seed_records(b)]
    if any(s["split"]["test_utterances"] != b["split"]["test_utterances"] for s in every):
        raise ValueError("the two runs were not tested on the same utterances")
    sa, sb = per_speaker_accuracy(a), per_speaker_accuracy(b)
    return {**stats.paired_interval((sa - sb.loc[sa.index]).to_numpy()), "unit": "test speakers"}
