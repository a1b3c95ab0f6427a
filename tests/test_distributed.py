"""The Ray engine on a local cluster of two nodes (``ray.cluster_utils.Cluster``): search trials and
protocol folds spread over both, with the same results files as the local engine."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest

ray = pytest.importorskip("ray")
pytest.importorskip("ray.tune")


@pytest.fixture(scope="module")
def two_nodes():
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    yield cluster
    ray.shutdown()
    cluster.shutdown()


@pytest.mark.slow
def test_search_on_two_nodes(two_nodes, tmp_path):
    from sercnn.experiment import RunConfig
    from sercnn.search import SearchConfig, search

    base = RunConfig(corpus="synthetic", model="2d", epochs=1, max_per_speaker_class=1, seconds=4.064,
                     test_speakers=["s01", "s02"])
    summary = search(SearchConfig(base=asdict(base), trials=2), tmp_path / "s", engine="ray",
                     address=two_nodes.address)
    assert summary["engine"] == "ray" and len(summary["trials"]) == 2
    assert len({t["node"] for t in summary["trials"]}) == 2  # one trial on each node
    assert len(list((tmp_path / "s" / "trials").iterdir())) == 2
    assert json.loads((tmp_path / "s" / "search.json").read_text())["best"]["params"]["optimizer"]


@pytest.mark.slow
def test_protocol_folds_on_two_nodes(two_nodes, tmp_path):
    from sercnn.baselines import BaselineConfig
    from sercnn.protocol import run_protocol

    summary = run_protocol("loso", BaselineConfig(corpus="synthetic", model="svm-egemaps", max_per_speaker_class=2),
                           tmp_path / "p", only=["s01", "s02"], engine="ray", address=two_nodes.address)
    assert summary["engine"]["name"] == "ray" and [f["fold"] for f in summary["folds"]] == ["s01", "s02"]
    assert all((tmp_path / "p" / f / "record.json").exists() for f in ("s01", "s02"))
