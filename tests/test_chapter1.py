"""Chapter 1 (book/01_data.ipynb): its figures, widgets, exercise checks and the IEMOCAP example writer."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from conftest import write_tone

from sercnn.book import plots
from sercnn.book.exercises import NOT_ANSWERED, check_frame_count, check_padding_fraction
from sercnn.datasets import load_iemocap, overview
from sercnn.datasets.emodb import CLASSES
from sercnn.datasets.iemocap_example import write_example
from sercnn.features import CLIP_SECONDS, HOP_LENGTH, SAMPLE_RATE, FeatureSettings, load_unpadded
from sercnn.paper import IEMOCAP_COUNTS


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def manifest(rows: list[tuple[str, str, str]], durations=None, paths=None) -> pd.DataFrame:
    """A manifest without files: (speaker, text, emotion) rows."""
    df = pd.DataFrame(rows, columns=["speaker", "text", "emotion"])
    df["gender"] = ["male" if int(s) % 2 else "female" for s in df["speaker"]]
    df["utterance"] = [f"{s}{t}{e[:2]}{i}" for i, (s, t, e) in enumerate(rows)]
    df["path"] = paths if paths is not None else [f"/x/{u}.wav" for u in df["utterance"]]
    df["duration_s"] = durations if durations is not None else 2.0
    df["emotion"] = pd.Categorical(df["emotion"], categories=CLASSES)
    return df


@pytest.fixture()
def tiny(tmp_path) -> pd.DataFrame:
    """Two speakers, every class, real (tone) files of 0.5 s at 16 kHz."""
    rows, paths = [], []
    for s in ("01", "02"):
        for k, e in enumerate(CLASSES):
            rows.append((s, "a01", e))
            paths.append(str(write_tone(tmp_path / f"{s}{e}.wav", seconds=0.5, freq=200 + 20 * k)))
    return manifest(rows, durations=0.5, paths=paths)


# --- examples_per_emotion ------------------------------------------------------------------------------


def test_examples_prefer_one_speaker_and_sentence():
    rows = [("01", "a01", e) for e in CLASSES[:4]]  # speaker 01 has only four classes in a01
    rows += [("02", "a02", e) for e in CLASSES]  # speaker 02 says a02 in all seven
    rows += [("02", "a01", "anger")]
    picked = overview.examples_per_emotion(manifest(rows))
    assert list(picked["emotion"]) == CLASSES
    assert set(picked["speaker"]) == {"02"} and set(picked["text"]) == {"a02"}


def test_examples_fill_missing_classes_from_the_same_speaker_then_anyone():
    rows = [("01", "a01", e) for e in CLASSES[:5]] + [("01", "b01", CLASSES[5]), ("02", "a01", CLASSES[6])]
    picked = overview.examples_per_emotion(manifest(rows))
    assert list(picked["emotion"]) == CLASSES
    assert list(picked["speaker"]) == ["01"] * 6 + ["02"]
    assert list(picked["text"])[:5] == ["a01"] * 5


def test_examples_by_name_and_by_speaker():
    df = manifest([(s, "a01", e) for s in ("01", "02") for e in CLASSES])
    names = df["utterance"].iloc[[9, 7]].tolist()
    by_name = overview.examples_per_emotion(df, utterances=names)
    assert sorted(by_name["utterance"]) == sorted(names)
    assert list(overview.examples_per_emotion(df, speaker="02")["speaker"].unique()) == ["02"]
    with pytest.raises(ValueError, match="no utterance"):
        overview.examples_per_emotion(df, speaker="99")
    # names that are not all in the corpus fall back to the automatic choice
    assert len(overview.examples_per_emotion(df, utterances=["nope"])) == len(CLASSES)


# --- tables and figures ----------------------------------------------------------------------------------


def test_speaker_emotion_table_counts_and_totals():
    df = manifest([("01", "a01", "anger"), ("01", "a02", "anger"), ("02", "a01", "sadness")])
    table = overview.speaker_emotion_table(df)
    assert table.loc["01 (m)", "anger"] == 2
    assert table.loc["total", "total"] == 3
    assert table.loc["02 (f)", "sadness"] == 1


def test_trailing_silence(tmp_path):
    sr = 16000
    y = np.concatenate([0.3 * np.sin(np.arange(sr) / 5.0), np.zeros(sr // 2)]).astype(np.float32)
    sf.write(tmp_path / "a.wav", y, sr, subtype="PCM_16")
    write_tone(tmp_path / "b.wav", seconds=0.5)
    df = pd.DataFrame({"path": [str(tmp_path / "a.wav"), str(tmp_path / "b.wav")]})
    silence = overview.trailing_silence_s(df)
    assert silence.iloc[0] == pytest.approx(0.5, abs=1e-3)
    assert silence.iloc[1] == 0.0


def test_speech_span_finds_noise_floor_silence(tmp_path):
    """Room noise before and after the sound (not zeros, as in RAVDESS) is found; stereo is averaged."""
    sr = 16000
    rng = np.random.default_rng(0)
    noise = lambda n: 1e-4 * rng.standard_normal(n)  # noqa: E731
    y = np.concatenate([noise(sr // 2), 0.3 * np.sin(np.arange(sr) / 5.0), noise(sr // 2)]).astype(np.float32)
    sf.write(tmp_path / "a.wav", np.stack([y, y], axis=1), sr, subtype="PCM_16")
    span = overview.speech_span_s(pd.DataFrame({"path": [str(tmp_path / "a.wav")]}))
    assert span.loc[0, "onset_s"] == pytest.approx(0.5, abs=0.1)
    assert span.loc[0, "offset_s"] == pytest.approx(1.5, abs=0.1)
    assert span.loc[0, "duration_s"] == pytest.approx(2.0, abs=1e-3)


def test_figures_label_their_axes(tiny):
    ax = plots.plot_class_balance(tiny)
    assert ax.get_ylabel() == "utterances"
    ax = plots.plot_speaker_emotion(tiny)
    assert ax.get_xlabel() == "emotion"
    ax = plots.plot_durations(tiny)
    assert "(s)" in ax.get_xlabel() and ax.get_xlim()[1] >= CLIP_SECONDS
    axes = plots.plot_utterance(tiny["path"].iloc[0])
    assert axes[0].get_ylabel() == "amplitude" and "Hz" in axes[1].get_ylabel()
    picked = overview.examples_per_emotion(tiny)
    axes = plots.plot_emotion_examples(picked)
    assert axes.shape == (2, len(CLASSES))
    assert axes[1, 0].get_xlabel() == "time (s)"


def test_load_unpadded_resamples_without_padding(tmp_path):
    path = write_tone(tmp_path / "a.wav", sr=22050, seconds=1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the resampling is silent here: chapter 1 explains it once
        y = load_unpadded(str(path))
    assert len(y) == SAMPLE_RATE and y.dtype == np.float32


@pytest.mark.parametrize("pad", ["start", "end"])
def test_fixed_length_shades_the_padding(pad):
    y = np.ones(2 * SAMPLE_RATE, dtype=np.float32)
    ax = plots.plot_fixed_length(y, pad=pad)
    line = ax.get_lines()[0]
    assert len(line.get_xdata()) == round(SAMPLE_RATE * CLIP_SECONDS)
    (patch,) = ax.patches
    x0, x1 = patch.get_x(), patch.get_x() + patch.get_width()
    assert (x0, x1) == pytest.approx((2.0, 8.0) if pad == "end" else (0.0, 6.0))
    data = line.get_ydata()
    assert (data[: 2 * SAMPLE_RATE] == 1).all() == (pad == "end")


# --- exercise checks -----------------------------------------------------------------------------------


def test_check_frame_count():
    assert check_frame_count(None) is NOT_ANSWERED
    assert check_frame_count(FeatureSettings().shape[1])
    assert check_frame_count(1 + round(SAMPLE_RATE * CLIP_SECONDS) // HOP_LENGTH)
    assert check_frame_count(188, seconds=3, hop_length=256)
    wrong = check_frame_count(250)
    assert not wrong and "add one" in repr(wrong)
    wrong = check_frame_count(1 + (128000 - 2048) // 512)
    assert not wrong and "centring" in repr(wrong)
    assert not check_frame_count("many")
    assert not check_frame_count(251.5)
    assert check_frame_count(251.0)


def test_check_padding_fraction():
    df = pd.DataFrame({"duration_s": [2.0, 10.0]})
    assert check_padding_fraction(None, df) is NOT_ANSWERED
    assert check_padding_fraction(0.375, df)
    assert not check_padding_fraction(0.5, df)
    wrong = check_padding_fraction(37.5, df)
    assert not wrong and "percentage" in repr(wrong)
    assert check_padding_fraction(0.5, pd.DataFrame({"duration_s": [2.0]}), seconds=4)
    assert not check_padding_fraction([1], df)


# --- widgets ---------------------------------------------------------------------------------------------


def test_utterance_explorer_follows_its_dropdowns(tiny):
    pytest.importorskip("ipywidgets")
    from sercnn.book import widgets

    box = widgets.utterance_explorer(tiny, emotion="sadness", speaker="02")
    emotion, _speaker, utterance = box.children[0].children
    assert utterance.value == tiny[(tiny["speaker"] == "02") & (tiny["emotion"] == "sadness")]["utterance"].iloc[0]
    emotion.value = "anger"
    assert utterance.value in set(tiny[tiny["emotion"] == "anger"]["utterance"])
    small = tiny[~((tiny["speaker"] == "01") & (tiny["emotion"] == "fear"))]
    box = widgets.utterance_explorer(small, emotion="fear", speaker="01")
    assert box.children[0].children[2].value is None  # no such utterance: the widget says so, no error


def test_audio_players_embed_each_file(tiny):
    from sercnn.book import widgets

    html = widgets.audio_players(tiny.head(3)).data
    assert html.count("<audio") == 3 and "base64," in html


# --- IEMOCAP example -------------------------------------------------------------------------------------


def test_write_example_is_read_by_load_iemocap(tmp_path):
    root = write_example(tmp_path / "IEMOCAP_full_release")
    df = load_iemocap(tmp_path)  # the folder above IEMOCAP_full_release works too
    assert set(df["emotion"].cat.categories) <= set(IEMOCAP_COUNTS)
    assert (root / "Session5" / "dialog" / "EmoEvaluation" / "Ses05F_impro01.txt").is_file()
    assert df["dialogue"].str.contains("_impro").all()
    assert df["speaker"].nunique() == 10
