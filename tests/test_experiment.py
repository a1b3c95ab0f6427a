"""The experiment's bookkeeping: run.json provenance, configuration checks (subsets: tests/test_corpus.py)."""

from __future__ import annotations

import pytest

from sercnn.experiment import RunConfig, load_config, start_run


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

