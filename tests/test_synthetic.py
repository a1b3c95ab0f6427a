"""The synthetic corpus: deterministic, cached atomically, well-formed audio, and learnable but not trivially."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from sercnn.datasets import synthetic
from sercnn.datasets._manifest import MANIFEST_COLUMNS, labels
from sercnn.datasets.emodb import CLASSES
from sercnn.datasets.synthetic import load_synthetic

SMALL = dict(n_speakers=2, per_class=1, seconds=0.5)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[pd.DataFrame, float]:
    """The default corpus (10 speakers x 7 classes x 4 takes of 2 s) and the seconds it took to write."""
    root = tmp_path_factory.mktemp("synthetic") / "default"
    start = time.perf_counter()
    df = load_synthetic(root)
    return df, time.perf_counter() - start


@pytest.fixture(scope="module")
def audio(corpus) -> list[np.ndarray]:
    df, _ = corpus
    return [sf.read(p, dtype="float32")[0] for p in df["path"]]


@pytest.fixture(scope="module")
def logmel_means(corpus, audio) -> np.ndarray:
    """Mean over time of each log-mel band (n_fft 2048, hop 512, 128 bands), one row per utterance."""
    librosa = pytest.importorskip("librosa")
    df, _ = corpus
    assert df["sample_rate"].nunique() == 1
    mel = librosa.feature.melspectrogram(
        y=np.stack(audio), sr=int(df["sample_rate"][0]), n_fft=2048, hop_length=512, n_mels=128
    )
    return librosa.power_to_db(mel).mean(axis=-1)


def test_manifest_columns_and_provenance(corpus):
    df, _ = corpus
    assert list(df.columns[: len(MANIFEST_COLUMNS)]) == list(MANIFEST_COLUMNS)
    assert len(df) == 10 * 7 * 4
    assert (df["corpus"] == "synthetic").all()
    assert df.attrs["corpus"] == "synthetic"
    assert df.attrs["source"].startswith("synthesised by sercnn (not speech)")
    assert "seed 0" in df.attrs["source"]
    assert df.attrs["classes"] == CLASSES
    assert df.attrs["skipped"] == []
    assert list(df["emotion"].cat.categories) == CLASSES
    assert (df["duration_s"] == 2.0).all() and (df["sample_rate"] == 16000).all() and (df["channels"] == 1).all()
    assert df["path"].map(lambda p: Path(p).is_file()).all()
    assert df["path"].is_unique
    assert df["text"].str.fullmatch(r"syn\d\d").all() and df["text"].nunique() == synthetic.N_TEMPLATES


def test_class_balance(corpus):
    df, _ = corpus
    assert df["emotion"].value_counts().to_dict() == {c: 40 for c in CLASSES}
    assert np.bincount(labels(df)).tolist() == [40] * 7
    assert (df.groupby(["speaker", "emotion"], observed=False).size() == 4).all()


def test_speakers_and_genders(corpus):
    df, _ = corpus
    assert sorted(df["speaker"].unique()) == [f"s{i:02d}" for i in range(1, 11)]
    genders = df.drop_duplicates("speaker").set_index("speaker")["gender"]
    assert genders.value_counts().to_dict() == {"male": 5, "female": 5}
    assert genders["s01"] == "male" and genders["s02"] == "female"
    for s in synthetic.speakers(10):
        lo, hi = synthetic.F0_RANGE[s.gender]
        assert lo <= s.f0 <= hi


def test_generation_is_fast(corpus):
    _, seconds = corpus
    assert seconds < 10.0, f"writing the default corpus took {seconds:.1f} s"


def test_audio_is_mono_16bit_never_silent_never_clipping(corpus, audio):
    df, _ = corpus
    info = sf.info(df["path"][0])
    assert (info.channels, info.samplerate, info.frames, info.subtype) == (1, 16000, 32000, "PCM_16")
    peaks = np.array([np.abs(y).max() for y in audio])
    rms = np.array([np.sqrt(np.mean(y.astype(np.float64) ** 2)) for y in audio])
    assert all(y.shape == (32000,) and np.isfinite(y).all() for y in audio)
    assert peaks.max() <= 0.9 + 1 / 32768
    assert peaks.min() > 0.05
    assert rms.min() > 0.005
    levels = pd.Series(20 * np.log10(peaks)).groupby(df["emotion"].to_numpy()).mean()
    assert levels["anger"] > levels["neutral"] > levels["sadness"]


def test_class_acoustics_follow_the_profiles(corpus, logmel_means):
    df, _ = corpus
    by_class = pd.DataFrame(logmel_means).groupby(df["emotion"].to_numpy()).mean()
    level = by_class.mean(axis=1)
    brightness = by_class.iloc[:, 80:].mean(axis=1) - by_class.iloc[:, :40].mean(axis=1)
    assert level["anger"] > level["neutral"] > level["sadness"]
    assert brightness["anger"] > brightness["neutral"] > brightness["sadness"]


def test_learnable_across_speakers_but_not_trivially(corpus, logmel_means):
    sklearn = pytest.importorskip("sklearn")  # noqa: F841
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    df, _ = corpus
    y = labels(df)
    test = df["speaker"].isin(["s09", "s10"]).to_numpy()
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    clf.fit(logmel_means[~test], y[~test])
    accuracy = clf.score(logmel_means[test], y[test])
    assert 0.5 < accuracy < 1.0, f"speaker-independent accuracy {accuracy:.3f} (chance 1/7)"


def _arrays(df: pd.DataFrame) -> list[np.ndarray]:
    return [sf.read(p, dtype="int16")[0] for p in df["path"]]


def test_deterministic(tmp_path):
    a = load_synthetic(tmp_path / "a", seed=3, **SMALL)
    b = load_synthetic(tmp_path / "b", seed=3, **SMALL)
    c = load_synthetic(tmp_path / "c", seed=4, **SMALL)
    names = [[Path(p).name for p in df["path"]] for df in (a, b, c)]
    assert names[0] == names[1] == names[2]
    for pa, pb in zip(a["path"], b["path"]):
        assert Path(pa).read_bytes() == Path(pb).read_bytes()
    assert all(not np.array_equal(x, z) for x, z in zip(_arrays(a), _arrays(c)))
    assert a.drop(columns="path").equals(b.drop(columns="path"))


def test_utterances_do_not_depend_on_corpus_size(tmp_path):
    small = load_synthetic(tmp_path / "small", **SMALL)
    large = load_synthetic(tmp_path / "large", n_speakers=4, per_class=2, seconds=0.5)
    names = {Path(p).name: p for p in large["path"]}
    for p in small["path"]:
        assert Path(p).read_bytes() == Path(names[Path(p).name]).read_bytes()


def test_second_call_reuses_files(tmp_path):
    root = tmp_path / "corpus"
    first = load_synthetic(root, **SMALL)
    mtimes = {p: Path(p).stat().st_mtime_ns for p in first["path"]}
    params_mtime = (root / synthetic.PARAMS_FILE).stat().st_mtime_ns
    time.sleep(0.02)
    second = load_synthetic(root, **SMALL)
    assert second.equals(first)
    assert {p: Path(p).stat().st_mtime_ns for p in second["path"]} == mtimes
    assert (root / synthetic.PARAMS_FILE).stat().st_mtime_ns == params_mtime
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus"]  # no temporary folder left behind


def test_other_parameters_rewrite_the_corpus(tmp_path):
    root = tmp_path / "corpus"
    first = load_synthetic(root, seed=0, **SMALL)
    before = _arrays(first)
    second = load_synthetic(root, seed=1, **SMALL)
    assert json.loads((root / synthetic.PARAMS_FILE).read_text())["seed"] == 1
    assert all(not np.array_equal(x, z) for x, z in zip(before, _arrays(second)))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus"]


@pytest.mark.parametrize("damage", ["delete", "truncate", "params"])
def test_damaged_corpus_is_rebuilt(tmp_path, damage):
    root = tmp_path / "corpus"
    df = load_synthetic(root, **SMALL)
    victim = Path(df["path"][3])
    good = victim.read_bytes()
    if damage == "delete":
        victim.unlink()
    elif damage == "truncate":
        victim.write_bytes(good[: len(good) // 2])
    else:
        (root / synthetic.PARAMS_FILE).write_text("{not json")
    load_synthetic(root, **SMALL)
    assert victim.read_bytes() == good


def test_interrupted_run_leaves_nothing_to_reuse(tmp_path, monkeypatch):
    root = tmp_path / "corpus"
    real = synthetic.synthesise
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 5:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(synthetic, "synthesise", failing)
    with pytest.raises(KeyboardInterrupt):
        load_synthetic(root, **SMALL)
    assert list(tmp_path.iterdir()) == []  # neither a half corpus nor a temporary folder
    monkeypatch.setattr(synthetic, "synthesise", real)
    df = load_synthetic(root, **SMALL)
    assert len(df) == 14 and all(Path(p).is_file() for p in df["path"])


def test_empty_root_is_used_and_foreign_folder_refused(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    df = load_synthetic(empty, **SMALL)
    assert Path(df["path"][0]).parent == empty / "wav"
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="refusing to overwrite"):
        load_synthetic(foreign, **SMALL)
    assert [p.name for p in foreign.iterdir()] == ["notes.txt"]


def test_default_root_is_under_data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("SERCNN_DATA", str(tmp_path))
    df = load_synthetic(**SMALL)
    root = tmp_path / "synthetic" / "v1-spk2-per1-0.5s-16000hz-seed0"
    assert df.attrs["root"] == str(root)
    assert (root / synthetic.PARAMS_FILE).is_file()
    assert all(Path(p).parent == root / "wav" for p in df["path"])
    assert str(root) in df.attrs["source"]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(n_speakers=1), "n_speakers"),
        (dict(n_speakers=2.5), "n_speakers"),
        (dict(per_class=0), "per_class"),
        (dict(seconds=0), "seconds"),
        (dict(seconds=-1.0), "seconds"),
        (dict(seconds=float("nan")), "seconds"),
        (dict(sample_rate=100), "sample_rate"),
        (dict(seed=-1), "seed"),
    ],
)
def test_bad_arguments(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_synthetic(tmp_path / "never", **kwargs)
    assert not (tmp_path / "never").exists()
