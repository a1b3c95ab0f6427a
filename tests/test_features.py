"""Audio loading (16 kHz mono, 8 s), log-mel (128 x 251), the feature cache and normalisation."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import warnings

import librosa
import numpy as np
import pytest
import soundfile as sf
from conftest import write_tone

from sercnn import features as F
from sercnn.errors import AudioFileError, AudioFormatWarning, FeatureExtractionError


def test_load_audio_pads_to_8_seconds(tmp_path):
    path = write_tone(tmp_path / "a.wav", seconds=1.5)
    y = F.load_audio(path)
    assert y.dtype == np.float32 and y.shape == (128000,)
    assert np.all(y[24000:] == 0) and np.abs(y[:24000]).max() > 0.2


def test_load_audio_can_pad_at_the_start(tmp_path):
    path = write_tone(tmp_path / "a.wav", seconds=1.5)
    end, start = F.load_audio(path), F.load_audio(path, pad="start")
    assert np.all(start[: 128000 - 24000] == 0)
    np.testing.assert_array_equal(start[-24000:], end[:24000])
    with pytest.raises(ValueError, match="pad"):
        F.fix_length(end, 10, pad="middle")


def test_load_audio_cuts_long_clips(tmp_path):
    path = write_tone(tmp_path / "a.wav", seconds=9.0)
    reference, _ = sf.read(path, dtype="float32")
    y = F.load_audio(path)
    assert y.shape == (128000,)
    np.testing.assert_array_equal(y, reference[:128000])  # the first 8 s are kept


def test_other_rate_and_channels_are_converted_with_warnings(tmp_path):
    path = write_tone(tmp_path / "s.wav", sr=22050, seconds=2.0, channels=2)
    with pytest.warns(AudioFormatWarning) as caught:
        y = F.load_audio(path, sr=16000, seconds=8.0)
    messages = " | ".join(str(w.message) for w in caught)
    assert "2 channels, averaged to mono" in messages and "22050 Hz, resampled to 16000 Hz" in messages
    assert str(path) in messages
    assert y.shape == (128000,)
    assert abs(np.count_nonzero(y) - 32000) < 200  # 2 s at 16 kHz, then padding


@pytest.mark.parametrize(
    "make, problem",
    [
        (lambda p: p.write_bytes(b"not audio at all"), "not a readable audio file"),
        (lambda p: sf.write(p, np.zeros(0, np.float32), 16000), "empty"),
        (lambda p: sf.write(p, np.zeros(8000, np.float32), 16000), "all-silent"),
    ],
)
def test_bad_audio_names_file_and_problem(tmp_path, make, problem):
    path = tmp_path / "bad.wav"
    make(path)
    with pytest.raises(AudioFileError, match=problem) as info:
        F.load_audio(path)
    assert str(path) in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(AudioFileError, match="not a readable audio file"):
        F.load_audio(tmp_path / "nowhere.wav")


def _reference_log_mel(y):
    mel = librosa.feature.melspectrogram(y=y, sr=16000, n_fft=2048, hop_length=512, n_mels=128)
    return librosa.power_to_db(mel, ref=1.0, top_db=80.0)


@pytest.mark.parametrize("n_signal, pad", [(128000, "end"), (32000, "end"), (12345, "end"), (1, "end"),
                                           (32000, "start")])
def test_log_mel_equals_librosa(n_signal, pad):
    rng = np.random.default_rng(n_signal)
    y = F.fix_length(0.1 * rng.standard_normal(n_signal).astype(np.float32), 128000, pad)
    m = F.log_mel(y)
    assert m.shape == (128, 251) and m.dtype == np.float32
    np.testing.assert_allclose(m, _reference_log_mel(y), atol=1e-3)


def test_feature_shapes():
    assert F.FeatureSettings("logmel").shape == (128, 251)
    assert F.FeatureSettings("waveform").shape == (128000,)


def test_extract_caches_by_content(tmp_path):
    paths = [write_tone(tmp_path / f"{i}.wav", freq=200 + 50 * i, seed=i) for i in range(10)]
    cache = tmp_path / "cache"
    x1, r1 = F.extract(paths, "logmel", cache_dir=cache, progress=False, return_report=True, n_jobs=2)
    assert x1.shape == (10, 128, 251) and (r1.hits, r1.computed) == (0, 10)
    x2, r2 = F.extract(paths, "logmel", cache_dir=cache, progress=False, return_report=True)
    assert (r2.hits, r2.computed) == (10, 0)
    np.testing.assert_array_equal(x1, x2)
    write_tone(paths[3], freq=900, seed=99)  # same name, new content: recomputed
    x3, r3 = F.extract(paths, "logmel", cache_dir=cache, progress=False, return_report=True)
    assert (r3.hits, r3.computed) == (9, 1)
    assert not np.allclose(x3[3], x1[3])
    # Other settings, other cache entries; waveforms are not cached at all.
    _, r4 = F.extract(paths, "waveform", cache_dir=cache, progress=False, return_report=True)
    _, r5 = F.extract(paths, "waveform", cache_dir=cache, progress=False, return_report=True)
    assert r4.computed == r5.computed == 10
    assert r5.digests == r3.digests == [F.file_digest(p) for p in paths]


def test_damaged_cache_entry_is_recomputed(tmp_path):
    paths = [write_tone(tmp_path / "a.wav")]
    cache = tmp_path / "cache"
    F.extract(paths, "logmel", cache_dir=cache, progress=False)
    for entry in cache.rglob("*.npy"):
        entry.write_bytes(b"half a file")
    x, report = F.extract(paths, "logmel", cache_dir=cache, progress=False, return_report=True)
    assert report.computed == 1 and np.isfinite(x).all()


def test_one_bad_file_loses_nothing_else(tmp_path):
    good = [write_tone(tmp_path / f"{i}.wav", seed=i) for i in range(3)]
    bad = tmp_path / "bad.wav"
    sf.write(bad, np.zeros(100, np.float32), 16000)
    cache = tmp_path / "cache"
    with pytest.raises(FeatureExtractionError) as info:
        F.extract([good[0], bad, *good[1:]], "logmel", cache_dir=cache, progress=False)
    assert str(bad) in str(info.value) and "all-silent" in str(info.value)
    _, report = F.extract(good, "logmel", cache_dir=cache, progress=False, return_report=True)
    assert report.hits == 3  # the good files were cached before the error


def test_conversions_are_summarised_once(tmp_path):
    paths = [write_tone(tmp_path / f"{i}.wav", sr=22050, seed=i) for i in range(9)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        F.extract(paths, "waveform", cache_dir=tmp_path / "c", progress=False, n_jobs=2)
    ours = [w for w in caught if issubclass(w.category, AudioFormatWarning)]
    assert len(ours) == 1 and "9 file(s): sample rate 22050 Hz, resampled to 16000 Hz" in str(ours[0].message)
    assert str(paths[0]) in str(ours[0].message)  # names files


def test_standardizer_uses_training_statistics_only():
    rng = np.random.default_rng(0)
    train = rng.normal(5.0, 2.0, size=(20, 4, 30)).astype(np.float32)
    test = rng.normal(50.0, 9.0, size=(5, 4, 30)).astype(np.float32)
    s = F.Standardizer.fit(train)
    assert s.mean.shape == (4, 1)
    z = s.transform(train)
    np.testing.assert_allclose(z.mean(axis=(0, 2)), 0, atol=1e-4)
    np.testing.assert_allclose(z.std(axis=(0, 2)), 1, atol=1e-3)
    assert s.transform(test).mean() > 10  # test statistics were not used
    again = F.Standardizer.from_dict(s.to_dict())
    np.testing.assert_array_equal(again.transform(test), s.transform(test))
    wave = F.Standardizer.fit(rng.normal(size=(3, 100)).astype(np.float32))
    assert wave.mean.shape == (1,)


@pytest.mark.emodb
def test_real_emodb_features(emodb, tmp_path):
    with pytest.warns(AudioFormatWarning, match="40 file"):  # the shared copy is at 22050 Hz
        x, report = F.extract(emodb.iloc[:40], "logmel", cache_dir=tmp_path, progress=False, return_report=True)
    assert x.shape == (40, 128, 251) and np.isfinite(x).all()
    assert report.computed == 40


def test_trimming_cuts_room_noise_before_the_window(tmp_path):
    """--trim-db: the window starts where the sound does (RAVDESS clips start with about 1 s of noise), and the
    cache key of every setting without trimming is what it was."""
    import soundfile as sf

    from sercnn.features import FeatureSettings, load_audio, trim_to_sound

    sr = 16000
    rng = np.random.default_rng(0)
    tone = 0.3 * np.sin(np.arange(sr) / 5.0)
    y = np.concatenate([1e-4 * rng.standard_normal(sr), tone, 1e-4 * rng.standard_normal(sr // 2)])
    sf.write(tmp_path / "a.wav", y.astype(np.float32), sr, subtype="PCM_16")
    assert len(trim_to_sound(y.astype(np.float32), 40.0)) == pytest.approx(sr, abs=2048)
    plain = load_audio(tmp_path / "a.wav", seconds=1.0)
    cut = load_audio(tmp_path / "a.wav", seconds=1.0, trim_db=40.0)
    assert np.abs(plain).max() < 0.01 and np.abs(cut).max() > 0.25  # noise only / the tone
    untrimmed = {k: v for k, v in dataclasses.asdict(FeatureSettings()).items() if k != "trim_db"}
    digest = hashlib.sha256(json.dumps(untrimmed, sort_keys=True).encode()).hexdigest()[:16]
    assert FeatureSettings().key() == f"logmel-{digest}"  # as before --trim-db existed: the cache stays valid
    assert FeatureSettings(trim_db=40.0).key() != FeatureSettings().key()
