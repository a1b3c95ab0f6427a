"""Splits: speaker-dependent, speaker-independent and LOSO; no speaker on both sides where it matters; the
split a configuration names; test pairs that cover every speaker once."""

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


def _speakers(names, genders):
    return pd.DataFrame({"speaker": names, "gender": genders, "emotion": ["anger"] * len(names)})


def test_emodb_pairs_test_every_speaker_once(emodb):
    pairs = splits.speaker_pairs(emodb)
    assert pairs == [tuple(p) for p in splits.EMODB_PAIRS]
    tested = [s for p in pairs for s in p]
    assert sorted(tested) == sorted(emodb["speaker"].astype(str).unique())
    genders = emodb.groupby("speaker", observed=True)["gender"].first()
    assert all({genders[a], genders[b]} == {"male", "female"} for a, b in pairs)


def test_other_corpora_pair_males_with_females():
    df = _speakers(["Ses01F", "Ses01M", "Ses02F", "Ses02M"], ["female", "male", "female", "male"])
    assert splits.speaker_pairs(df) == [("Ses01M", "Ses01F"), ("Ses02M", "Ses02F")]
    odd = _speakers(["a", "b", "c"], ["male", "male", "female"])
    with pytest.raises(ValueError, match="3 speakers"):
        splits.speaker_pairs(odd)


def test_make_split_follows_the_configuration(emodb):
    from types import SimpleNamespace as Cfg

    sd = splits.make_split(emodb, Cfg(split="speaker-dependent", seed=3, test_speakers=None, fold=None))
    assert all(np.array_equal(a, b) for a, b in zip(sd, splits.speaker_dependent(emodb, 3)))
    train, test = splits.make_split(emodb, Cfg(split="speaker-independent", seed=0, test_speakers=["03", "08"],
                                               fold=None))
    assert splits.speakers_of(emodb, test) == ["03", "08"]
    train, test = splits.make_split(emodb, Cfg(split="loso", seed=0, test_speakers=None, fold="11"))
    assert splits.speakers_of(emodb, test) == ["11"] and "11" not in splits.speakers_of(emodb, train)
    with pytest.raises(ValueError, match="not a speaker"):
        splits.make_split(emodb, Cfg(split="loso", seed=0, test_speakers=None, fold="99"))
    with pytest.raises(ValueError, match="split must be one of"):
        splits.make_split(emodb, Cfg(split="random", seed=0, test_speakers=None, fold=None))
    with pytest.raises(ValueError, match="needs the manifest of sercnn.datasets.cross_corpus"):
        splits.make_split(emodb.drop(columns="corpus"), Cfg(split="cross-corpus", corpus="emodb",
                                                            test_corpus="ravdess"))


def test_draw_pair_is_a_female_and_a_male_seeded(emodb):
    pair = splits.draw_pair(emodb, 5)
    genders = emodb.groupby("speaker", observed=True)["gender"].first()
    assert [genders[s] for s in pair] == ["female", "male"] and pair == splits.draw_pair(emodb, 5)
    no_gender = _speakers(["a", "b", "c"], ["x", "y", "z"])
    assert len(set(splits.draw_pair(no_gender, 0))) == 2


def test_split_names_exist_once():
    from sercnn import cli, config, protocol

    assert splits.SPLITS is config.SPLITS
    assert protocol.SPLITS is config.SPLITS
    parser = cli._parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices
    choices = {a.dest: a.choices for name in ("train", "protocol") for a in sub[name]._actions}
    assert tuple(choices["split"]) == splits.SPLITS and tuple(choices["protocol"]) == splits.SPLITS
