"""Speaker normalisation (``--normalise speaker``): a planted per-speaker offset that it removes and that the
training-fit standardiser leaves in place; its scaler round-trips through the record; the baselines and the
networks take the option."""

from __future__ import annotations

import numpy as np
import pytest

from sercnn.features import SpeakerStandardizer, Standardizer, scaler_from_dict, standardise


def _planted(n_per_speaker: int = 40, seed: int = 0):
    """Log-mel-shaped features ``(n, bands, frames)`` of four speakers, each with its own offset and gain."""
    rng = np.random.default_rng(seed)
    speakers = np.repeat(["a", "b", "c", "d"], n_per_speaker)
    offset = {"a": -6.0, "b": 0.0, "c": 4.0, "d": 12.0}
    gain = {"a": 1.0, "b": 2.0, "c": 0.5, "d": 3.0}
    x = rng.standard_normal((len(speakers), 8, 5)).astype(np.float32)
    for s in offset:
        x[speakers == s] = x[speakers == s] * gain[s] + offset[s]
    return x, speakers


def test_speaker_normalisation_removes_a_planted_offset_the_training_fit_keeps():
    x, speakers = _planted()
    fit = np.flatnonzero(speakers != "d")  # speaker d is the test speaker
    plain, _ = standardise(x, fit, speakers, "train")
    per_speaker, scaler = standardise(x, fit, speakers, "speaker")
    test = speakers == "d"
    assert abs(plain[test].mean()) > 1.5  # the test speaker sits far off the training distribution
    assert plain[test].std() > 0.5 and abs(plain[test].std() - 1.0) > 0.3
    for s in "abcd":
        mine = per_speaker[speakers == s]
        assert np.allclose(mine.mean(axis=(0, 2)), 0.0, atol=1e-4)  # per mel band, per speaker
        assert np.allclose(mine.std(axis=(0, 2)), 1.0, atol=1e-3)
    assert isinstance(scaler, SpeakerStandardizer) and sorted(scaler.per_speaker) == list("abcd")


def test_waveforms_get_one_mean_and_sd_per_speaker():
    rng = np.random.default_rng(1)
    speakers = np.array(["a"] * 10 + ["b"] * 10)
    x = rng.standard_normal((20, 100)).astype(np.float32) * np.where(speakers == "a", 0.1, 0.9)[:, None]
    out, scaler = standardise(x, np.arange(10), speakers, "speaker")
    assert scaler.per_speaker["a"].mean.shape == () or scaler.per_speaker["a"].mean.size == 1
    for s in "ab":
        assert out[speakers == s].std() == pytest.approx(1.0, abs=1e-3)


def test_scalers_round_trip_through_the_record():
    x, speakers = _planted()
    _, per = standardise(x, np.arange(len(x)), speakers, "speaker")
    back = scaler_from_dict(per.to_dict())
    assert isinstance(back, SpeakerStandardizer)
    assert np.allclose(back.transform(x, speakers), per.transform(x, speakers))
    _, plain = standardise(x, np.arange(len(x)), speakers, "train")
    assert isinstance(scaler_from_dict(plain.to_dict()), Standardizer)
    with pytest.raises(ValueError, match=r"no statistics for speaker\(s\) \['z'\]"):
        per.transform(x[:2], np.array(["z", "a"]))
    with pytest.raises(ValueError, match="normalise must be"):
        standardise(x, np.arange(3), speakers, "corpus")


def test_configs_take_the_option_and_refuse_others():
    from sercnn.baselines import BaselineConfig
    from sercnn.experiment import RunConfig

    assert RunConfig(normalise="speaker").normalise == "speaker"
    assert BaselineConfig(normalise="speaker").normalise == "speaker"
    with pytest.raises(ValueError, match="normalise must be one of"):
        RunConfig(normalise="global")
    with pytest.raises(ValueError, match="normalise must be"):
        BaselineConfig(normalise="global")


def test_baseline_with_speaker_normalisation_says_so(tmp_path):
    pytest.importorskip("opensmile")
    from sercnn.baselines import BaselineConfig, run

    cfg = BaselineConfig(corpus="synthetic", model="svm-egemaps", split="loso", fold="s01",
                         max_per_speaker_class=2, normalise="speaker")
    record = run(cfg, tmp_path / "run", progress=False)
    assert record["features"]["normalise"] == "speaker"
    assert "test speakers' unlabelled audio" in record["features"]["normalise_note"]
    assert len(record["test_labels"]) == len(record["test_predictions"]) == record["metrics"]["test"]["n"]


def test_functionals_are_normalised_per_feature_per_speaker():
    rng = np.random.default_rng(2)
    speakers = np.array(["a"] * 30 + ["b"] * 30)
    x = rng.standard_normal((60, 3)) * [1.0, 10.0, 100.0] + np.where(speakers == "a", 5.0, -5.0)[:, None]
    out, scaler = standardise(x.astype(np.float32), np.arange(30), speakers, "speaker", per_feature=True)
    assert scaler.per_speaker["a"].mean.shape == (3,)
    for s in "ab":
        assert np.allclose(out[speakers == s].mean(axis=0), 0.0, atol=1e-4)
        assert np.allclose(out[speakers == s].std(axis=0), 1.0, atol=1e-3)
