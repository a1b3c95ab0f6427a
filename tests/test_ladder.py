"""The ladder's tables and figure (sercnn.book.results, sercnn.book.plots; chapter 8) on protocol folders made here the
way ``python -m sercnn protocol --seeds`` writes them: rungs paired with the rung below, intervals, the
baselines as bands, the pre-registered rung against the baselines, rungs not run yet."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from records_fixture import make_record  # noqa: E402

from sercnn import records, stats  # noqa: E402
from sercnn.book import plots, results  # noqa: E402
from sercnn.protocol import combine_seeds, summarise  # noqa: E402
from sercnn.recipes import LADDER, PREREGISTERED  # noqa: E402

FOLDS = ["03-08", "10-09", "11-13", "12-14", "15-16"]
CLASSES = ["anger", "sadness"]


def _protocol(folder, accuracies: list[list[float]], *, model: str = "2d"):
    """A protocol folder: per fold one record per seed (``accuracies[fold][seed]``) and the summary."""
    fold_results = []
    for fold, per_seed in zip(FOLDS, accuracies):
        tests = [f"{fold}-u{i}" for i in range(10)]
        labels = [i % 2 for i in range(10)]
        seeds = []
        for k, acc in enumerate(per_seed):
            right = int(round(acc / 10))
            probs = [[0.9, 0.1] if (lab == 0) == (i < right) else [0.1, 0.9] for i, lab in enumerate(labels)]
            record = make_record(run=f"model-seed{k}",
                                 split={"seed": 0, "model_seed": k, "test_speakers": fold.split("-"),
                                        "test_utterances": tests},
                                 metrics={"test": {"accuracy": acc, "uar": acc - 1, "n": 10, "classes": CLASSES,
                                                   "confusion": [[5, 0], [0, 5]]},
                                          "whole_database": {"accuracy": 95.0}},
                                 test_predictions=[0] * 10, test_labels=labels, test_probabilities=probs)
            where = folder / fold / f"model-seed{k}" if len(per_seed) > 1 else folder / fold
            records.write_record(where, record)
            from sercnn.protocol import fold_summary

            seeds.append(fold_summary(record))
        fold_results.append(dict(combine_seeds(seeds), fold=fold) if len(per_seed) > 1 else dict(seeds[0], fold=fold))
    summary = {"protocol": "speaker-independent", "model": model,
               "command": f"python -m sercnn protocol ({folder.name})",
               "git": {"commit": "0123456789abcdef", "dirty": False}, "wall_seconds": 600.0, "complete": True,
               "environment": {"cpu": "test CPU", "cpu_count": 2, "accelerators": []},
               "model_seeds": len(accuracies[0]) if len(accuracies[0]) > 1 else None,
               "folds": fold_results, **summarise(fold_results)}
    records.write_json(folder / "summary.json", summary)
    return summary


@pytest.fixture
def ladder(tmp_path):
    root = tmp_path / "results"
    si = results.ladder_folder(root)
    rng = np.random.default_rng(0)
    base = np.array([60.0, 55.0, 62.0, 70.0, 58.0])
    # paper; time (+1, noise); PREREGISTERED far above; the rest not run
    _protocol(si / "paper", [list(b + rng.normal(0, 3, 3)) for b in base])
    _protocol(si / "time", [list(b + 1 + rng.normal(0, 3, 3)) for b in base])
    _protocol(si / PREREGISTERED, [list(b + 20 + rng.normal(0, 1, 3)) for b in base])
    _protocol(si / "svm-compare-train", [[b + 5] for b in base], model="svm-compare")
    _protocol(si / "svm-compare-speaker", [[b + 10] for b in base], model="svm-compare")
    return root


def test_ladder_table_pairs_each_rung_with_the_rung_below(ladder):
    table = results.ladder_table(ladder)
    assert list(table.index) == [r.name for r in LADDER]
    assert table.loc["paper", "verdict"] == "the base"
    assert table.loc["time", "verdict"] in ("within noise", "helps", "hurts")
    assert isinstance(table.loc["time", "vs rung below: accuracy"], str)
    assert table.loc["speaker-norm", "accuracy %"] == "not run yet"
    below = [r.name for r in LADDER][[r.name for r in LADDER].index(PREREGISTERED) - 1]
    assert table.loc[PREREGISTERED, "verdict"] == f"rung below ({below}) not run yet"
    text = results.ladder_verdicts(table)
    assert "**speaker-norm**" in text and "not run yet" in text


def test_intervals_figure_and_baselines(ladder):
    intervals = results.ladder_intervals(ladder)
    assert set(intervals.index) == {"paper", "time", PREREGISTERED, "svm-compare-train", "svm-compare-speaker"}
    assert (intervals["low"] <= intervals["mean"]).all() and (intervals["mean"] <= intervals["high"]).all()
    assert intervals.loc["paper", "ensemble"] is not None
    ax = plots.ladder(intervals)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["paper", "time", PREREGISTERED]
    vs = results.against_baselines(ladder, PREREGISTERED)
    assert vs.loc["ComParE + linear SVM, speaker-normalised", "verdict"] == "network ahead"
    assert results.ladder_best(ladder) == PREREGISTERED


def test_targets_and_provenance(ladder):
    targets = results.targets_beyond(ladder)
    si = targets.iloc[0]
    assert si["reached"] == "yes" and PREREGISTERED in si["measured"]
    assert targets.iloc[1]["reached"] == "not run yet"  # LOSO
    assert targets.iloc[2]["reached"] == "not run yet"  # 1D
    prov = results.ladder_provenance(ladder)
    assert prov.loc["paper", "seeds"] == 3 and prov.loc["svm-compare-train", "seeds"] == 1
    paper = results.ladder_runs(ladder)["paper"]
    assert prov.loc["paper", "training (min)"] == results.training_minutes(paper) > 0
    assert "cores" in prov.loc["paper", "hardware"] and "runs:" not in prov.loc["paper", "hardware"]
    table = results.ladder_table(ladder)
    time = results.ladder_runs(ladder)["time"]
    gain = np.mean([f["ensemble"]["accuracy"] - f["accuracy"] for f in time["folds"]])
    assert table.loc["time", "ensemble vs its seeds"].startswith(f"{gain:+.1f} [")
    seeds = results.seed_table(results.ladder_runs(ladder)["time"])
    assert list(seeds.columns[:3]) == ["seed 0 %", "seed 1 %", "seed 2 %"] and "ensemble %" in seeds


def test_run_machines_names_each_machine_of_a_resumed_protocol(ladder):
    folder = results.ladder_folder(ladder) / "time"
    path = sorted(folder.glob("*/model-seed*/record.json"))[0]
    record = records.load_record(path)
    record["environment"] = {**record["environment"], "cpu": "Another CPU"}
    records.write_json(path, record)
    text = results.run_machines(folder)
    assert text.startswith("14 runs: ") and "1 run: Another CPU" in text


def test_an_unfinished_rung_is_left_out(ladder):
    summary_path = results.ladder_folder(ladder) / "time" / "summary.json"
    import json

    s = json.loads(summary_path.read_text())
    s["complete"] = False
    summary_path.write_text(json.dumps(s))
    assert "time" not in results.ladder_runs(ladder)
    assert results.ladder_table(ladder).loc["time", "accuracy %"] == "not run yet"


def test_the_stopping_table_reads_each_run(tmp_path):
    folder = tmp_path / "p"
    _protocol(folder, [[60.0, 70.0]] * 5)
    table = results.stopping_table(folder)
    assert list(table.index[:2]) == ["03-08 seed 0", "03-08 seed 1"] and len(table) == 10
    row = table.iloc[0]
    assert row["epochs run"] == 2 and row["kept epoch"] == 1 and row["train acc. at the end %"] == 50.0
    assert row["rise over the last 5 epochs"] == 0.0 and row["test acc. %"] == 60.0
    axes = plots.runs_curves({"a": records.load_record(folder / "03-08" / "model-seed0")})
    assert axes[0].get_ylabel() == "accuracy (%)"


def test_penalty_table_pairs_the_searched_penalties_with_the_rung_without(ladder):
    table, vs = results.penalty_table(ladder)
    assert table.empty and vs is None  # not run yet
    folder = results.ladder_folder(ladder, "si-l2") / PREREGISTERED
    summary = _protocol(folder, [[acc + 5, acc + 6, acc + 4] for acc in (60, 70, 65, 75, 68)])
    for i, fold in enumerate(summary["folds"]):
        fold["seeds"][0]["searched"] = {"l2_weight": 10.0 ** -(i + 2), "l2_activity": 1e-6}
    records.write_json(folder / "summary.json", summary)
    table, vs = results.penalty_table(ladder)
    assert list(table.index) == FOLDS and table["L2 on weights"].iloc[0] == pytest.approx(1e-2)
    assert table["L2 on activity"].eq(1e-6).all()
    without = results.ladder_runs(ladder)[PREREGISTERED]
    expected = np.mean([f["accuracy"] for f in summary["folds"]]) - without["accuracy"]["mean"]
    assert vs["mean"] == pytest.approx(expected, abs=0.05)


def test_ensemble_against_a_baseline(ladder):
    si = results.ladder_folder(ladder)
    c = stats.ensemble_against(si / PREREGISTERED, si / "svm-compare-speaker")
    pre = results.ladder_runs(ladder)[PREREGISTERED]
    expected = np.mean([f["ensemble"]["accuracy"] for f in pre["folds"]]) - \
        np.mean([f["accuracy"] for f in results.ladder_runs(ladder)["svm-compare-speaker"]["folds"]])
    assert c["mean"] == pytest.approx(expected) and c["n"] == len(FOLDS)
    with pytest.raises(ValueError, match="no ensemble"):
        stats.ensemble_against(si / "svm-compare-speaker", si / PREREGISTERED)
    with pytest.raises(ValueError, match="not a finished protocol folder"):
        stats.ensemble_against(si / PREREGISTERED, si / "nothing")


def test_rerun_table_sets_the_seeded_reruns_beside_the_one_seed_protocols(tmp_path):
    """``bench/reruns.sh``: a committed one-seed protocol and its rerun with 3 model seeds are told apart
    (chapter 7's tables keep reading the one-seed runs), and the rerun is paired with the one-seed run and with
    the baseline on the same folds."""
    import json

    root = tmp_path / "results"
    base = np.array([60.0, 55.0, 62.0, 70.0, 58.0])
    folders = {"emodb-2d-si": ([[b] for b in base], "2d"),
               "emodb-2d-si-seeds3": ([[b + 1, b + 2, b + 3] for b in base], "2d"),
               "emodb-svm-compare-si": ([[b + 10] for b in base], "svm-compare")}
    for name, (accuracies, model) in folders.items():
        _protocol(root / "protocols" / name, accuracies, model=model)
        path = root / "protocols" / name / "summary.json"
        path.write_text(json.dumps({**json.loads(path.read_text()), "corpus": "emodb"}))
    assert results.load_protocols(root)[("emodb", "2d", "speaker-independent")]["_folder"] == "protocols/emodb-2d-si"
    assert set(results.load_protocols(root, seeded=True)) == {("emodb", "2d", "speaker-independent")}
    comparisons = results.rerun_comparisons(root)
    table = results.rerun_table(comparisons)
    row = table.loc[("speaker-independent", "2d")]
    assert row["seeds"] == 3 and row["folds"] == 5 and row["folder"] == "protocols/emodb-2d-si-seeds3"
    assert row["seeds minus one seed"].startswith("+2.0 [+2.0, +2.0]")  # every fold's seed mean is 2 above
    assert row["one seed minus svm-compare"].startswith("-10.0")
    assert row["seeds minus svm-compare"].startswith("-8.0")
    assert not row["seeds minus svm-compare"].endswith("within noise")
    lines = results.rerun_verdicts(comparisons)
    assert lines.startswith("- **2D CNN LSTM, speaker-independent** (3 seeds x 5 folds)")
    assert "real, the baseline ahead" in lines and "**the seeds keep the verdict**" in lines
    assert "ComParE + linear SVM: with seeds -8.0" in lines and "(within noise) (within noise)" not in lines
    assert isinstance(row["ensemble minus svm-compare"], str) and "the ensemble of the seeds against it" in lines
    assert results.rerun_verdicts(comparisons, corpus="ravdess") == ""
    assert results.rerun_table(results.rerun_comparisons(tmp_path / "nothing")).empty


def test_the_1d_target_is_judged_by_intervals_for_one_network_and_for_the_ensemble(tmp_path):
    """The 1D target reads chapter 7's rerun with seeds too, and says "level" where the 95 % CI of the mean over
    the pairs holds the paper's 57.14 %, "below" where the interval lies under it: one network (the mean over
    seeds) and the ensemble of its seeds are judged apart."""
    import json

    root = tmp_path / "results"
    folder = root / "protocols" / "emodb-1d-si-seeds3"
    _protocol(folder, [[40.0, 50.0, 50.0]] * 5, model="1d")
    path = folder / "summary.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "corpus": "emodb"}))
    row = results.targets_beyond(root).iloc[-1]
    assert row.name.startswith("1D network at least 57.14 %")
    assert row["measured"].startswith("protocol defaults: 46.67 % [46.7, 46.7]")
    assert row["reached"].startswith("one network: below")
