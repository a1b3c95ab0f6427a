"""The experiment's bookkeeping: run.json provenance, configuration checks, subsets."""

from __future__ import annotations

import pytest

from sercnn.experiment import RunConfig, load_config, start_run, subset


def test_run_json_keeps_the_first_start_and_each_resume(tmp_path):
    cfg = RunConfig(corpus="synthetic", epochs=3)
    start_run(tmp_path, cfg, {"command": "first", "git": {}, "at": "t0"})
    info = start_run(tmp_path, cfg, {"command": "again", "git": {}, "at": "t1"})
    assert info["started"]["command"] == "first" and [r["command"] for r in info["resumes"]] == ["again"]
    assert load_config(tmp_path) == cfg
    with pytest.raises(ValueError, match="another configuration"):
        start_run(tmp_path, RunConfig(corpus="synthetic", epochs=4), {"command": "x", "git": {}, "at": "t2"})


def test_config_is_checked():
    with pytest.raises(ValueError, match="model"):
        RunConfig(model="3d")
    with pytest.raises(ValueError, match="fold"):
        RunConfig(split="loso")
    with pytest.raises(ValueError, match="optimizer"):
        RunConfig(optimizer="lbfgs")


def test_subset_is_balanced_and_seeded(emodb):
    small = subset(emodb, 2, seed=0)
    counts = small.groupby(["speaker", "emotion"], observed=True).size()
    assert counts.max() <= 2 and small["speaker"].nunique() == 10
    assert small.equals(subset(emodb, 2, seed=0)) and not small.equals(subset(emodb, 2, seed=1))
    assert "at most 2" in small.attrs["subset"]
