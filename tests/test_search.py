"""sercnn.search: the space, the objective's data (never the test speakers), persistence and resume."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest

from sercnn import search as S
from sercnn.datasets import load_synthetic
from sercnn.experiment import RunConfig

QUICK = dict(corpus="synthetic", model="2d", epochs=1, max_per_speaker_class=1, seconds=4.064,
             split="speaker-independent", test_speakers=["s01", "s02"])


def _cfg(**kw) -> S.SearchConfig:
    return S.SearchConfig(base=asdict(RunConfig(**QUICK)), **kw)


def test_space_covers_the_papers_optimizers_and_the_named_hyperparameters():
    from hyperopt.pyll.stochastic import sample

    table = S.space_table()
    assert list(table.index) == ["optimizer", "learning_rate", "batch_size", "l2_weight", "bn_momentum", "dropout",
                                 "augment"]
    assert "augment" not in S.space_table("1d").index and "augment" not in S.space("1d")
    assert "adagrad, adam, sgd, rmsprop" in table.loc["optimizer", "range"]
    for seed in range(20):
        p = sample(S.space(), rng=__import__("numpy").random.default_rng(seed))
        assert p["optimizer"] in ("adagrad", "adam", "sgd", "rmsprop") and p["batch_size"] in S.BATCH_SIZES
        assert S.LEARNING_RATE_RANGE[0] <= p["learning_rate"] <= S.LEARNING_RATE_RANGE[1]
        assert 0.0 <= p["dropout"] <= 0.5


def test_the_inner_problem_holds_no_test_speaker():
    df = load_synthetic()
    inner, overrides = S.inner_problem(_cfg(), df)
    assert not set(inner["speaker"]) & {"s01", "s02"}
    assert len(overrides["test_speakers"]) == 2 and set(overrides["test_speakers"]) <= set(inner["speaker"])
    with pytest.raises(ValueError, match="not training speakers"):
        S.inner_problem(_cfg(validation_speakers=["s01", "s03"]), df)
    sd = S.SearchConfig(base=asdict(RunConfig(**{**QUICK, "split": "speaker-dependent", "test_speakers": None})))
    inner_sd, o = S.inner_problem(sd, df)
    assert o["split"] == "speaker-dependent" and len(inner_sd) == int(round(0.8 * len(df)))


def test_trial_ids_are_stable():
    a = S.trial_id({"optimizer": "adam", "learning_rate": 1e-3})
    assert a == S.trial_id({"learning_rate": 1e-3, "optimizer": "adam"}) and len(a) == 10


def test_the_l2_space_tunes_only_the_two_penalties():
    from hyperopt.pyll.stochastic import sample

    assert list(S.space_table("2d", "l2").index) == ["l2_weight", "l2_activity"]
    assert S.default_point("2d", "l2") == {"l2_weight": S.L2_RANGE[0], "l2_activity": S.L2_RANGE[0]}
    for seed in range(10):
        p = sample(S.space("2d", "l2"), rng=__import__("numpy").random.default_rng(seed))
        assert set(p) == {"l2_weight", "l2_activity"}
        assert all(S.L2_RANGE[0] <= v <= S.L2_RANGE[1] for v in p.values())
    # every other field of a trial is the outer configuration's: here a recipe's dropout stays
    base = RunConfig(**{**QUICK, "dropout": 0.3})
    trial = __import__("dataclasses").replace(base, **S.clean_params(p))
    assert trial.dropout == 0.3 and trial.l2_activity == p["l2_activity"]
    assert "--space l2" in S.search_command(_cfg(space="l2"), "out")
    with pytest.raises(ValueError, match="search space"):
        _cfg(space="everything")
    with pytest.raises(ValueError, match="search space"):
        S.space("2d", "lr")


def test_config_is_checked():
    with pytest.raises(ValueError, match="algo"):
        _cfg(algo="grid")
    with pytest.raises(ValueError, match="trials"):
        _cfg(trials=0)


@pytest.mark.slow
def test_search_persists_resumes_and_never_sees_the_test_speakers(tmp_path, monkeypatch):
    out = tmp_path / "search"
    calls = []
    real = S.run_trial

    def interrupted_on_the_second(params, cfg, out_dir, **progress):
        calls.append(params)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(params, cfg, out_dir, **progress)

    monkeypatch.setattr(S, "run_trial", interrupted_on_the_second)
    with pytest.raises(KeyboardInterrupt):
        S.search(_cfg(trials=3), out)
    assert (out / "trials.pkl").exists()
    monkeypatch.setattr(S, "run_trial", real)
    summary = S.search(_cfg(trials=3), out, command="test")  # resumes: one trial kept, two more run
    assert [t["number"] for t in summary["trials"]] == [1, 2, 3]
    assert summary["trials"][0]["params"] == S.clean_params(calls[0])
    ids = [t["trial"] for t in summary["trials"]]
    assert len(set(ids)) == 3  # the resumed search drew new points, not the first ones again
    frame = S.trials_frame(summary)
    assert list(frame["best so far"]) == list(frame["accuracy"].cummax())
    assert summary["best"]["accuracy"] == frame["accuracy"].max()
    assert summary["final_command"].startswith("python -m sercnn train --corpus synthetic --model 2d")
    for trial in (out / "trials").iterdir():
        record = json.loads((trial / "record.json").read_text())
        seen = set(record["split"]["train_speakers"]) | set(record["split"]["test_speakers"])
        assert not seen & {"s01", "s02"}, trial
        assert record["split"]["test_speakers"] == summary["validation_speakers"]
    assert json.loads((out / "search.json").read_text())["finished"]
    with pytest.raises(ValueError, match="another configuration"):
        S.search(_cfg(trials=3, algo="random"), out)


@pytest.mark.slow
def test_random_search_and_the_command_line(tmp_path, capsys):
    from sercnn.cli import main

    rc = main(["search", "--corpus", "synthetic", "--epochs", "1", "--max-per-speaker-class", "1", "--seconds",
               "4.064", "--test-speakers", "s01", "s02", "--trials", "2", "--algo", "random", "--out",
               str(tmp_path / "r")])
    printed = capsys.readouterr().out
    assert rc == 0, printed
    assert "best: trial" in printed and "python -m sercnn train" in printed
    assert len(json.loads((tmp_path / "r" / "search.json").read_text())["trials"]) == 2
