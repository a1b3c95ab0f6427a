"""sercnn.recipes: the paper's setup and the ladder's rungs as named configurations, ``--recipe`` under
explicit options, and configuration errors that name the option the user typed."""

from __future__ import annotations

import pytest

from sercnn.experiment import RunConfig
from sercnn.recipes import BEST_RUNG, LADDER, PAPER, RECIPES, TIME_POOLS, apply, cumulative, rung_table


def test_the_paper_recipe_is_the_paper_as_printed():
    cfg = apply(RunConfig(), "paper")
    assert (cfg.seconds, cfg.precision, cfg.pools, cfg.normalise, cfg.selection) == (
        8.0, "float32", None, "train", "held-out")
    assert cfg.l2_weight == cfg.l2_activity == cfg.dropout == 0.0 and not cfg.augment
    assert LADDER[0].name == "paper" and cumulative("paper") == PAPER


def test_each_rung_adds_one_change_to_the_rung_below():
    names = [r.name for r in LADDER]
    assert names[:3] == ["paper", "time", "speaker-norm"] and set(names) | {"best"} == set(RECIPES)
    for below, rung in zip(names, names[1:]):
        changed = {k for k, v in cumulative(rung).items() if cumulative(below).get(k) != v}
        assert changed == set(RECIPES[rung].fields), rung
        assert RECIPES[rung].why and RECIPES[rung].change
    top = apply(RunConfig(), names[-1])
    assert top.pools == TIME_POOLS and top.normalise == "speaker" and top.seconds == 2.0
    assert [row["rung"] for row in rung_table()] == names


def test_best_is_the_rung_the_rule_keeps_and_says_so_in_the_records():
    """``best`` stops at the last rung whose verdict was "helps": rebuilt from the committed ladder records."""
    from pathlib import Path

    from sercnn.book import results

    assert cumulative("best") == cumulative(BEST_RUNG) and RECIPES["best"].change
    root = Path(__file__).resolve().parents[1] / "results"
    table = results.ladder_table(root)
    if table.loc[LADDER[-1].name, "accuracy %"] == "not run yet":
        pytest.skip("the ladder's records are not all here")
    names = [r.name for r in LADDER]
    after = names[names.index(BEST_RUNG) + 1:]
    assert table.loc[BEST_RUNG, "verdict"] == "helps"
    assert all(table.loc[r, "verdict"] != "helps" for r in after)
    argv = ["train", "--recipe", "best", "--corpus", "synthetic"]
    from sercnn.cli import _config_from, _parser

    cfg = _config_from(_parser().parse_args(argv), argv=argv)
    assert cfg.normalise == "speaker" and cfg.pools == TIME_POOLS and cfg.dropout == 0.0


def test_explicit_options_win_over_the_recipe():
    cfg = apply(RunConfig(seconds=3.0), "time", explicit={"seconds"})
    assert cfg.seconds == 3.0 and cfg.pools == TIME_POOLS
    with pytest.raises(ValueError, match="unknown recipe 'best-ever'"):
        apply(RunConfig(), "best-ever")


def test_command_line_recipe_and_option_errors(capsys):
    from sercnn.cli import _config_from, _parser

    argv = ["train", "--recipe", "speaker-norm", "--seconds", "1.5", "--corpus", "synthetic"]
    cfg = _config_from(_parser().parse_args(argv), argv=argv)
    assert cfg.seconds == 1.5 and cfg.normalise == "speaker" and cfg.pools == TIME_POOLS
    argv = ["train", "--pools", "2x2", "2x2", "2x2", "2x1"]
    assert _config_from(_parser().parse_args(argv), argv=argv).pools == TIME_POOLS
    with pytest.raises(SystemExit):
        _parser().parse_args(["train", "--pools", "2x2", "2", "2x2", "2x1"])
    assert "MELxTIME" in capsys.readouterr().err
    argv = ["train", "--seconds", "-1"]
    with pytest.raises(ValueError, match=r"^--seconds: seconds must be in \(0, 60\]"):
        _config_from(_parser().parse_args(argv), argv=argv)
    with pytest.raises(ValueError, match="pools sets the 2D"):
        RunConfig(model="1d", pools=TIME_POOLS)


def test_time_pools_leave_the_lstm_seven_steps_of_the_two_second_log_mel():
    keras = pytest.importorskip("keras")
    from sercnn.experiment import build_model, feature_settings

    cfg = apply(RunConfig(), "time")
    shape = feature_settings(cfg).shape
    assert shape == (128, 63)
    model = build_model(cfg, 7, shape)
    lstm_in = model.get_layer("2reshape_sequence").output.shape
    assert tuple(lstm_in[1:]) == (7, 8 * 128)
    keras.backend.clear_session()
