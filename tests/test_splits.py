"""Splits: speaker-dependent, speaker-independent and LOSO; no speaker on both sides where it matters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from iemocap_fixture import make_iemocap_fixture

from sercnn import splits
from sercnn.datasets import load_iemocap


def _check_partition(df, train, test):
    assert len(np.intersect1d(train, test)) == 0
    assert len(train) + len(test) == len(df)


def _no_shared_speaker(df, train, test):
    spk = df["speaker"].astype(str).to_numpy()
    assert not set(spk[train]) & set(spk[test])


@pytest.fixture(scope="module")
def iemocap(tmp_path_factory):
    return load_iemocap(make_iemocap_fixture(tmp_path_factory.mktemp("iemocap")))


@pytest.fixture(params=["emodb", "iemocap"])
def corpus(request, iemocap):
    if request.param == "emodb":
        return request.getfixturevalue("emodb")
    return iemocap


def test_speaker_independent_has_no_shared_speaker(corpus):
    for seed in range(10):
        train, test = splits.speaker_independent(corpus, seed)
        _check_partition(corpus, train, test)
        _no_shared_speaker(corpus, train, test)
        test_speakers = splits.speakers_of(corpus, test)
        assert len(test_speakers) == 2 and len(splits.speakers_of(corpus, train)) == 8
        genders = set(corpus["gender"].iloc[test])
        assert genders == {"female", "male"}


def test_loso_has_no_shared_speaker(corpus):
    folds = splits.leave_one_speaker_out(corpus)
    assert len(folds) == 10
    tested = []
    for train, test in folds:
        _check_partition(corpus, train, test)
        _no_shared_speaker(corpus, train, test)
        tested += splits.speakers_of(corpus, test)
    assert sorted(tested) == sorted(corpus["speaker"].astype(str).unique())


def test_held_out_validation_stays_inside_training_speakers(corpus):
    train, test = splits.speaker_independent(corpus, 3)
    for by in ("utterance", "speaker"):
        fit, val = splits.validation_split(corpus, train, 3, by=by)
        assert set(fit) | set(val) == set(train) and not set(val) & set(test)
        _no_shared_speaker(corpus, val, test)
        if by == "speaker":
            _no_shared_speaker(corpus, fit, val)


def test_speaker_dependent_is_stratified_and_seeded(corpus):
    train, test = splits.speaker_dependent(corpus, seed=0)
    _check_partition(corpus, train, test)
    assert abs(len(test) - 0.2 * len(corpus)) <= 1
    share = corpus["emotion"].iloc[test].value_counts(normalize=True)
    overall = corpus["emotion"].value_counts(normalize=True)
    assert (abs(share - overall) < 0.03).all()
    again = splits.speaker_dependent(corpus, seed=0)
    other = splits.speaker_dependent(corpus, seed=1)
    assert np.array_equal(train, again[0]) and not np.array_equal(test, other[1])


def test_explicit_test_speakers(emodb):
    train, test = splits.speaker_independent(emodb, 0, test_speakers=["03", "08"])
    assert splits.speakers_of(emodb, test) == ["03", "08"]
    assert len(test) == 49 + 58
    with pytest.raises(ValueError, match="unknown test speaker"):
        splits.speaker_independent(emodb, 0, test_speakers=["99"])


def test_speaker_independent_without_gender():
    df = pd.DataFrame({"speaker": list("aabbccdd"), "gender": ["unknown"] * 8, "emotion": ["x", "y"] * 4})
    train, test = splits.speaker_independent(df, 0)
    assert len(splits.speakers_of(df, test)) == 2
    _no_shared_speaker(df, train, test)
