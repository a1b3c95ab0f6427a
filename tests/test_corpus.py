"""A run's corpus (sercnn.datasets.corpus): the ``auto`` fallback, balanced subsets, utterance names."""

from __future__ import annotations

import pandas as pd
import pytest

import sercnn.datasets as datasets
from sercnn.datasets import resolve_corpus, subset, utterance_ids
from sercnn.errors import DatasetNotFoundError


def test_auto_falls_back_to_synthetic_and_says_so(monkeypatch):
    asked = []

    def fake(name, root=None):
        asked.append(name)
        if name == "emodb":
            raise DatasetNotFoundError("no EmoDB here")
        return pd.DataFrame({"corpus": [name]})

    monkeypatch.setattr(datasets, "load_corpus", fake)
    with pytest.warns(UserWarning, match="SYNTHETIC"):
        assert resolve_corpus("auto")["corpus"].tolist() == ["synthetic"]
    assert resolve_corpus("synthetic")["corpus"].tolist() == ["synthetic"]
    assert asked == ["emodb", "synthetic", "synthetic"]
    with pytest.raises(DatasetNotFoundError):
        resolve_corpus("emodb")  # a corpus asked for by name does not fall back


def test_subset_is_balanced_and_seeded(emodb):
    small = subset(emodb, 2, seed=0)
    counts = small.groupby(["speaker", "emotion"], observed=True).size()
    assert counts.max() <= 2 and small["speaker"].nunique() == 10
    assert small.equals(subset(emodb, 2, seed=0)) and not small.equals(subset(emodb, 2, seed=1))
    assert "at most 2" in small.attrs["subset"]


def test_utterance_ids_from_the_column_or_the_file_stem():
    df = pd.DataFrame({"path": ["/a/03a01Wa.wav", "/b/c/x.y.wav", "z.wav"]})
    assert utterance_ids(df) == ["03a01Wa", "x.y", "z"]
    assert utterance_ids(df, [2, 0]) == ["z", "03a01Wa"]
    named = df.assign(utterance=["u1", "u2", "u3"])
    assert utterance_ids(named, [1]) == ["u2"]
