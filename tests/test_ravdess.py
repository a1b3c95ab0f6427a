"""RAVDESS manifest: the shared 16 kHz subset, a synthesised copy of the official release's layout (48 kHz,
Actor_NN folders, calm, surprised and strong intensity) with bad files, the options and the registration."""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from sercnn.datasets import CORPORA, MANIFEST_COLUMNS, class_names, labels, load_corpus, load_ravdess
from sercnn.datasets import emodb as E
from sercnn.datasets import ravdess as R
from sercnn.errors import (
    AudioFormatWarning,
    DatasetNotFoundError,
    IncompleteCorpusWarning,
    SkippedFilesWarning,
    UnknownLabelError,
)

SIX = ["anger", "disgust", "fear", "happiness", "neutral", "sadness"]
EIGHT = ["anger", "calm", "disgust", "fear", "happiness", "neutral", "sadness", "surprised"]
SR = 48000  # the official release's rate
SECONDS = 0.5


@pytest.fixture(scope="module")
def ravdess_root() -> Path:
    """The shared RAVDESS subset under ``$SERCNN_DATA/ravdess``; the test skips, saying why, without it."""
    data = os.environ.get("SERCNN_DATA")
    root = Path(data) / "ravdess" if data else None
    if root is None or not (root / "wav").is_dir():
        pytest.skip("real RAVDESS not available: set SERCNN_DATA to a folder holding ravdess/wav")
    return root


# --- the shared copy ----------------------------------------------------------------------------------


def test_shared_subset_manifest(ravdess_root):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing skipped, nothing missing
        df = load_ravdess(ravdess_root)
    assert len(df) == 576
    assert df["speaker"].nunique() == 24
    assert sorted(df["speaker"].unique()) == [f"{a:02d}" for a in range(1, 25)]
    genders = df.groupby("speaker")["gender"].first()
    assert genders.value_counts().to_dict() == {"male": 12, "female": 12}
    assert all((int(s) % 2 == 1) == (g == "male") for s, g in genders.items())
    assert df["emotion"].value_counts().to_dict() == dict.fromkeys(SIX, 96)
    assert class_names(df) == [c for c in E.CLASSES if c != "boredom"] == SIX
    assert (df.groupby("speaker").size() == 24).all()
    assert (df["intensity"] == "normal").all() and set(df["text"]) == {"01", "02"}
    assert (df["corpus"] == "ravdess").all()
    assert df.attrs["skipped"] == [] and df.attrs["missing"] == []
    assert list(df.columns[: len(MANIFEST_COLUMNS)]) == list(MANIFEST_COLUMNS)
    row = df.set_index("utterance").loc["03-01-05-01-02-01-12"]
    assert (row.speaker, row.gender, row.emotion, row.ravdess_emotion, row.statement, row.repetition) == (
        "12", "female", "anger", "angry", "02", 1
    )
    assert row.sentence == "Dogs are sitting by the door"
    assert labels(df).min() == 0 and labels(df).max() == 5
    description = df.attrs["description"]
    assert "RAVDESS" in description and "CC BY-NC-SA 4.0" in description and "normal" in description
    assert df.attrs["licence"] == "CC BY-NC-SA 4.0"
    # the shared copy's README: 16 kHz mono, the originals' durations 3.07-4.84 s
    assert set(df["sample_rate"]) == {16000} and set(df["channels"]) == {1}
    assert df["duration_s"].between(3.0, 4.9).all()


def test_shared_subset_through_sercnn_data(ravdess_root, monkeypatch):
    monkeypatch.setenv("SERCNN_DATA", str(ravdess_root.parent))
    df = load_corpus("ravdess")
    assert len(df) == 576 and "SERCNN_DATA" in df.attrs["source"]


# --- a synthesised copy of the official release ---------------------------------------------------------


def _tone(channels: int = 1, freq: float = 220.0, seed: int = 0) -> np.ndarray:
    t = np.arange(int(SR * SECONDS)) / SR
    y = 0.3 * np.sin(2 * np.pi * freq * t) + 0.01 * np.random.default_rng(seed).standard_normal(t.size)
    return np.stack([y] * channels, axis=1) if channels > 1 else y


def _write(path: Path, data: np.ndarray, sr: int = SR) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()  # through memory: soundfile fsyncs each file it closes
    sf.write(buffer, np.asarray(data, dtype=np.float32), sr, format="WAV", subtype="PCM_16")
    path.write_bytes(buffer.getvalue())
    return path


#: The bad files of the synthesised release and the words their reasons must contain.
BAD = {
    "Actor_03/03-01-05-01-01-01.wav": "6 field(s)",
    "Actor_03/03-01-05-01-01-01-xx.wav": "two-digit numbers",
    "Actor_03/03-01-09-01-01-01-03.wav": "unknown emotion code '09'",
    "Actor_03/03-01-05-03-01-01-03.wav": "unknown intensity code '03'",
    "Actor_03/03-01-05-01-01-01-25.wav": "unknown actor code '25'",
    "Actor_03/01-01-05-01-01-02-03.wav": "video file",
    "Actor_03/03-01-01-02-01-02-03.wav": "neutral at strong intensity",
    "Actor_04/03-01-05-01-02-02-05.wav": "lies in Actor_04",
    "Actor_03/03-01-03-01-02-01-03.wav": "not a readable audio file",
    "Actor_04/03-01-04-01-02-01-04.wav": "empty",
    "Actor_04/03-01-06-01-02-01-04.wav": "all-silent",
}


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    """Actor_01 .. Actor_04 at 48 kHz: per actor one neutral take and, for each of the seven other emotions,
    one normal and one strong take (15 files); plus a song file, a stereo file and the bad files of BAD."""
    root = tmp_path_factory.mktemp("ravdess")
    for a in range(1, 5):
        actor = f"{a:02d}"
        _write(root / f"Actor_{actor}" / f"03-01-01-01-01-01-{actor}.wav", _tone(seed=a))
        for e in range(2, 9):
            for intensity in ("01", "02"):
                name = f"03-01-{e:02d}-{intensity}-01-01-{actor}.wav"
                _write(root / f"Actor_{actor}" / name, _tone(freq=150.0 + 20 * e, seed=a * 10 + e))
    _write(root / "Actor_01" / "03-02-03-01-01-01-01.wav", _tone(seed=99))  # song: not speech
    _write(root / "Actor_02" / "03-01-05-01-02-01-02.wav", _tone(channels=2, seed=98))  # stereo, usable
    for name in BAD:
        path = root / name
        if "not a readable" in BAD[name]:
            path.write_bytes(b"RIFF\x00\x00garbage")
        elif BAD[name] == "empty":
            _write(path, np.zeros(0))
        elif BAD[name] == "all-silent":
            _write(path, np.zeros(SR // 2))
        else:
            _write(path, _tone(seed=7))
    return root


def _load(root: Path, **kwargs):
    """Load the synthesised release: it has bad files and only four actors, so both warnings must come."""
    with pytest.warns(SkippedFilesWarning, match="left out of the manifest"), pytest.warns(IncompleteCorpusWarning):
        return load_ravdess(root, **kwargs)


def test_release_default_selection(release):
    with pytest.warns(SkippedFilesWarning, match=f"{len(BAD)} file"), pytest.warns(IncompleteCorpusWarning):
        df = load_ravdess(release)
    # per actor: neutral + five emotions at normal intensity; plus the stereo take of actor 02
    assert len(df) == 4 * 6 + 1
    assert class_names(df) == SIX
    assert df["emotion"].value_counts().to_dict() == {**dict.fromkeys(SIX, 4), "anger": 5}
    assert sorted(df["speaker"].unique()) == ["01", "02", "03", "04"]
    assert df.groupby("speaker")["gender"].first().to_dict() == {
        "01": "male", "02": "female", "03": "male", "04": "female"
    }
    assert (df["intensity"] == "normal").all()
    assert set(df["sample_rate"]) == {SR}
    stereo = df.set_index("utterance").loc["03-01-05-01-02-01-02"]
    assert (stereo.channels, stereo.emotion, stereo.ravdess_emotion) == (2, "anger", "angry")
    assert "Actor_NN" in df.attrs["layout"] and df.attrs["intensities"] == ["normal"]
    assert df.attrs["not_selected"] == {"song": 1, "emotion": 16, "intensity": 20}
    assert len(df.attrs["missing"]) == 576 - 24 - 1 - 3  # three of the bad files have names of the selection


def test_release_skipped_files_name_their_reasons(release):
    df = _load(release)
    reasons = {str(Path(s["path"]).relative_to(release)): s["reason"] for s in df.attrs["skipped"]}
    assert set(reasons) == set(BAD)  # each bad file, and neither the song file nor the stereo one
    for name, words in BAD.items():
        assert words in reasons[name], (name, reasons[name])
    assert not any("03-02-" in s["path"] for s in df.attrs["skipped"])


def test_release_all_emotions(release):
    df = _load(release, emotions="all")
    assert class_names(df) == EIGHT
    assert len(df) == 4 * 8 + 1
    assert df["emotion"].value_counts()[["calm", "surprised"]].tolist() == [4, 4]
    assert set(df.loc[df.emotion == "calm", "ravdess_emotion"]) == {"calm"}


def test_release_both_intensities(release):
    df = _load(release, emotions="all", intensities=("normal", "strong"))
    assert len(df) == 4 * 15 + 1
    assert df["intensity"].value_counts().to_dict() == {"normal": 33, "strong": 28}
    assert not ((df["emotion"] == "neutral") & (df["intensity"] == "strong")).any()
    assert df.attrs["not_selected"] == {"song": 1, "emotion": 0, "intensity": 0}
    six = _load(release, intensities=("normal", "strong"))
    assert len(six) == 4 * 11 + 1 and class_names(six) == SIX


def test_emotion_names_in_either_vocabulary(release):
    a = _load(release, emotions=["angry", "sad", "happy"])
    b = _load(release, emotions=("happiness", "anger", "sadness"))
    assert class_names(a) == class_names(b) == ["anger", "happiness", "sadness"]
    assert a["utterance"].tolist() == b["utterance"].tolist()
    one = _load(release, emotions="surprised", intensities="strong")
    assert class_names(one) == ["surprised"] and len(one) == 4
    with pytest.raises(UnknownLabelError, match="'boredom'"):
        load_ravdess(release, emotions=["anger", "boredom"])
    with pytest.raises(ValueError, match="'loud'"):
        load_ravdess(release, intensities=("loud",))
    with pytest.raises(UnknownLabelError, match="empty"):
        load_ravdess(release, emotions=[])


def test_features_read_the_48khz_release(release, tmp_path):
    from sercnn.features import FeatureSettings, extract

    df = _load(release)
    picked = df.set_index("utterance").loc[["03-01-01-01-01-01-01", "03-01-05-01-02-01-02", "03-01-04-01-01-01-03"]]
    settings = FeatureSettings(kind="waveform", seconds=1.0)
    with pytest.warns(AudioFormatWarning, match="48000 Hz, resampled to 16000 Hz") as record:
        w = extract(picked["path"].tolist(), settings, cache_dir=tmp_path, progress=False)
    assert any("averaged to mono" in str(r.message) for r in record)
    assert w.shape == (3, 16000)
    n = int(16000 * SECONDS)  # 0.5 s of tone at 16 kHz, then zeros up to 1 s
    assert np.abs(w[:, n + 10 :]).max() == 0.0 and np.abs(w[:, : n - 10]).max() > 0.2
    spectrum = np.abs(np.fft.rfft(w[0, :n]))
    assert abs(np.fft.rfftfreq(n, 1 / 16000)[spectrum.argmax()] - 220.0) < 4.0  # the tone survives resampling
    with pytest.warns(AudioFormatWarning):
        x = extract(picked["path"].tolist(), FeatureSettings(kind="logmel", seconds=1.0), cache_dir=tmp_path,
                    progress=False)
    assert x.shape == (3, 128, 1 + 16000 // 512) and np.isfinite(x).all()


# --- where the corpus is looked for ---------------------------------------------------------------------


def test_missing_corpus_says_what_to_download_in_one_sentence(tmp_path, monkeypatch):
    monkeypatch.setenv("SERCNN_DATA", str(tmp_path))
    with pytest.raises(DatasetNotFoundError) as info:
        load_ravdess()
    message = str(info.value)
    for words in (str(tmp_path / "ravdess"), "Audio_Speech_Actors_01-24.zip", "Zenodo record 1188976",
                  "CC BY-NC-SA 4.0", "never downloads", "SERCNN_DATA"):
        assert words in message
    assert message.count(". ") == 0  # one sentence
    (tmp_path / "ravdess" / "Actor_01").mkdir(parents=True)
    with pytest.raises(DatasetNotFoundError, match="no .wav files"):
        load_ravdess()
    with pytest.raises(DatasetNotFoundError, match="no such folder"):
        load_ravdess(tmp_path / "elsewhere")


def test_sercnn_data_and_flat_layout(tmp_path, monkeypatch):
    for name in ("03-01-05-01-01-01-01.wav", "03-01-04-01-02-02-02.wav"):
        _write(tmp_path / "ravdess" / "wav" / name, _tone(), sr=16000)
    monkeypatch.setenv("SERCNN_DATA", str(tmp_path))
    with pytest.warns(IncompleteCorpusWarning, match="574 of 576"):
        df = load_corpus("ravdess")
    assert "SERCNN_DATA" in df.attrs["source"] and len(df) == 2
    assert "flat folder" in df.attrs["layout"] and df.attrs["skipped"] == []


def test_ravdess_is_a_corpus_of_the_pipeline():
    from sercnn.cli import _parser
    from sercnn.experiment import RunConfig

    assert "ravdess" in CORPORA
    for corpus in (*CORPORA, "auto"):
        assert RunConfig(corpus=corpus).corpus == corpus
    assert _parser().parse_args(["train", "--corpus", "ravdess"]).corpus == "ravdess"
    assert R.ALL_CLASSES == EIGHT and R.CLASSES == SIX
