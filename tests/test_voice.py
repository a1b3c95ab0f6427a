"""Try your own voice (``sercnn.book.voice``, ``sercnn.book.widgets.own_voice``,
``sercnn.book.plots.plot_voice``): reading an upload of any format, rate, channel count and length, with a
clear message for every bad one; the prediction; the occlusion map against a model whose decision depends on
one planted region; the run directory a reader names; and the widget's callbacks, called directly (nbval
cannot click). Recordings are synthesised here and the networks are untrained and small.
Notebook: ``book/05_2d_cnn_lstm.ipynb``."""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone

import keras
import numpy as np
import pytest
import soundfile as sf

from sercnn.book import voice
from sercnn.book.widgets import own_voice, own_voice_model, own_voice_result, uploaded_file
from sercnn.errors import AudioFileError, SercnnError
from sercnn.features import FeatureSettings, SpeakerStandardizer, Standardizer
from sercnn.models import build_2d_cnn_lstm

CLASSES = ["anger", "boredom", "disgust", "fear", "happiness", "neutral", "sadness"]
#: 1.984 s = 31744 samples: 63 log-mel frames, the small input of the 2D network used here.
SETTINGS = FeatureSettings(seconds=1.984)
POOLS = [(2, 2), (2, 2), (2, 2), (2, 1)]
SMALL_PATCH = (32, 16)


def voice_like(sr: int = 16000, seconds: float = 1.2, channels: int = 1, seed: int = 0) -> np.ndarray:
    """A vowel-like signal: harmonics of a gliding 120-180 Hz pitch under a syllable envelope, plus noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(round(sr * seconds))) / sr
    f0 = 120 + 60 * t / max(seconds, 1e-9)
    phase = 2 * np.pi * np.cumsum(f0) / sr
    y = sum(np.sin(k * phase) / k for k in range(1, 12))
    y = 0.2 * y * (0.5 + 0.5 * np.sin(2 * np.pi * 3 * t) ** 2) + 0.005 * rng.standard_normal(len(t))
    y = y.astype(np.float32)
    return np.stack([y * (1 - 0.2 * c) for c in range(channels)], axis=1) if channels > 1 else y


def encode(y: np.ndarray, sr: int, fmt: str = "WAV", subtype: str | None = None) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, y, sr, format=fmt, subtype=subtype)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def small_2d():
    """The 2D network, untrained, on 128 x 63 inputs."""
    keras.utils.set_random_seed(0)
    return build_2d_cnn_lstm(len(CLASSES), input_shape=(128, 63, 1), pools=POOLS)


@pytest.fixture(scope="module")
def scaler() -> Standardizer:
    rng = np.random.default_rng(1)
    return Standardizer.fit((rng.standard_normal((4, 128, 63)) * 10 - 40).astype(np.float32))


@pytest.fixture(scope="module")
def chapter_voice(small_2d, scaler) -> voice.VoiceModel:
    return voice.VoiceModel(small_2d, scaler, SETTINGS, CLASSES, "the test's untrained network")


def record_for(scaler, model: str = "2d", **config) -> dict:
    return {"run": "test-run", "config": {"model": model, "seconds": SETTINGS.seconds,
                                          "pools": [list(p) for p in POOLS] if model == "2d" else None, **config},
            "corpus": {"classes": CLASSES}, "standardizer": scaler.to_dict()}


# --- reading a recording -----------------------------------------------------------------------------------


def test_a_clean_16k_mono_wav_needs_no_conversion():
    y, notes = voice.read_recording(encode(voice_like(), 16000), "me.wav", SETTINGS)
    assert y.dtype == np.float32 and y.ndim == 1 and len(y) == 19200
    assert notes == []


@pytest.mark.parametrize("fmt, subtype, name", [("FLAC", None, "me.flac"), ("OGG", "VORBIS", "me.ogg"),
                                                ("MP3", "MPEG_LAYER_III", "me.mp3")])
def test_compressed_formats_are_read_where_libsndfile_reads_them(fmt, subtype, name):
    if fmt not in sf.available_formats():
        pytest.skip(f"this libsndfile ({sf.__libsndfile_version__}) cannot write {fmt}")
    y, _ = voice.read_recording(encode(voice_like(), 16000, fmt, subtype), name, SETTINGS)
    assert abs(len(y) - 19200) < 2400  # MP3 and Vorbis add or trim a few frames of codec delay


@pytest.mark.parametrize("data, problem", [
    (b"", "empty"),
    (b"\x00\x17not audio at all" * 40, "not a readable audio file"),
    (b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(200)), "not a readable audio file"),
])
def test_unreadable_uploads_name_the_file_and_the_problem(data, problem):
    with pytest.raises(AudioFileError) as caught:
        voice.read_recording(data, "upload.wav", SETTINGS)
    assert caught.value.path == "upload.wav" and problem in caught.value.problem
    assert "BytesIO" not in str(caught.value)
    if problem.startswith("not"):
        assert "WAV, FLAC, OGG or MP3" in str(caught.value)


def test_a_wav_truncated_to_100_bytes_is_refused_clearly():
    with pytest.raises(AudioFileError, match="upload.wav: (too short|not a readable)"):
        voice.read_recording(encode(voice_like(), 16000)[:100], "upload.wav", SETTINGS)


def test_shorter_than_one_analysis_frame_is_refused():
    short = voice_like(seconds=2000 / 16000)  # 2000 samples < n_fft 2048
    with pytest.raises(AudioFileError, match="too short: 125 ms.*2048 samples"):
        voice.read_recording(encode(short, 16000), "short.wav", SETTINGS)
    y, _ = voice.read_recording(encode(voice_like(seconds=2048 / 16000), 16000), "just.wav", SETTINGS)
    assert len(y) == 2048


def test_too_short_is_judged_at_16k_after_resampling():
    # 3000 samples at 48 kHz are 1000 at 16 kHz: fewer than one frame although the file holds more than 2048
    with pytest.raises(AudioFileError, match="too short"):
        voice.read_recording(encode(voice_like(48000, 3000 / 48000), 48000), "hi-rate.wav", SETTINGS)


def test_silence_is_refused_with_the_package_threshold():
    quiet = np.full(16000, 0.5 / 32768, dtype=np.float32)  # below one 16-bit step
    with pytest.raises(AudioFileError, match="all-silent"):
        voice.read_recording(encode(quiet, 16000, subtype="FLOAT"), "quiet.wav", SETTINGS)
    with pytest.raises(AudioFileError, match="all-silent"):
        voice.read_recording(encode(np.zeros(16000, np.float32), 16000), "zeros.wav", SETTINGS)


def test_non_finite_samples_are_refused():
    y = voice_like()
    y[100] = np.nan
    with pytest.raises(AudioFileError, match="NaN"):
        voice.read_recording(encode(y, 16000, subtype="FLOAT"), "nan.wav", SETTINGS)


def test_stereo_is_downmixed_and_says_so():
    stereo = voice_like(channels=2)
    y, notes = voice.read_recording(encode(stereo, 16000, subtype="FLOAT"), "stereo.wav", SETTINGS)
    assert notes == ["2 channels, averaged to mono"]
    np.testing.assert_allclose(y, stereo.mean(axis=1), atol=1e-6)


@pytest.mark.parametrize("sr", [8000, 22050, 48000])
def test_other_rates_are_resampled_to_16k_and_say_so(sr):
    y, notes = voice.read_recording(encode(voice_like(sr), sr), f"{sr}.wav", SETTINGS)
    assert notes == [f"sample rate {sr} Hz, resampled to 16000 Hz"]
    assert abs(len(y) - 19200) <= 1


def test_a_long_recording_is_cut_to_the_models_window_and_says_so():
    y, notes = voice.read_recording(encode(voice_like(seconds=30.0), 16000), "long.wav", SETTINGS)
    assert len(y) == 31744
    assert notes == ["30.00 s long: only its first 1.984 s (the model's window) are used"]


def test_a_long_recording_silent_in_the_window_is_refused():
    y = np.concatenate([np.zeros(16000 * 3, np.float32), voice_like()])
    with pytest.raises(AudioFileError, match="first 1.984 s, which the model reads, are silent"):
        voice.read_recording(encode(y, 16000), "late.wav", SETTINGS)


def test_memoryview_and_bytearray_are_accepted_and_other_types_refused():
    data = encode(voice_like(), 16000)
    for form in (memoryview(data), bytearray(data)):
        assert len(voice.read_recording(form, "me.wav", SETTINGS)[0]) == 19200
    with pytest.raises(AudioFileError, match="expected the file's bytes"):
        voice.read_recording("me.wav", "me.wav", SETTINGS)  # type: ignore[arg-type]


def test_random_bytes_only_ever_raise_sercnn_errors():
    rng = np.random.default_rng(3)
    header = encode(voice_like(), 16000)[:44]
    for n in (1, 10, 44, 100, 1000, 5000):
        for data in (rng.integers(0, 256, n, dtype=np.uint8).tobytes(),
                     header + rng.integers(0, 256, n, dtype=np.uint8).tobytes()):
            try:
                voice.read_recording(data, "noise.bin", SETTINGS)
            except SercnnError:
                pass


def test_an_upload_above_the_size_limit_is_refused_before_decoding(monkeypatch):
    monkeypatch.setattr(voice, "MAX_BYTES", 1000)
    with pytest.raises(AudioFileError, match="too large"):
        voice.read_recording(encode(voice_like(), 16000), "huge.wav", SETTINGS)


# --- prediction ----------------------------------------------------------------------------------------------


def test_predict_voice_gives_probabilities_per_class_and_the_inputs(small_2d, scaler):
    y, _ = voice.read_recording(encode(voice_like(), 16000), "me.wav", SETTINGS)
    result = voice.predict_voice(small_2d, scaler, y, SETTINGS, CLASSES)
    assert result["log_mel"].shape == result["input"].shape == (128, 63)
    assert result["probabilities"].shape == (7,)
    assert result["probabilities"].sum() == pytest.approx(1.0, abs=1e-5)
    assert list(result["by_class"]) == CLASSES
    assert result["predicted"] == CLASSES[int(np.argmax(result["probabilities"]))]
    assert result["seconds"] == pytest.approx(1.2)
    np.testing.assert_allclose(result["input"], scaler.transform(result["log_mel"][None])[0])
    assert "training utterances" in result["notes"][0]
    again = voice.predict_voice(small_2d, scaler.to_dict(), y, SETTINGS, CLASSES)  # a record's dict works too
    np.testing.assert_allclose(again["probabilities"], result["probabilities"], rtol=1e-5)


def test_a_per_speaker_standardiser_standardises_the_new_voice_with_its_own_statistics(small_2d, scaler):
    y, _ = voice.read_recording(encode(voice_like(), 16000), "me.wav", SETTINGS)
    result = voice.predict_voice(small_2d, SpeakerStandardizer({"03": scaler}), y, SETTINGS, CLASSES)
    np.testing.assert_allclose(result["input"].mean(axis=1), 0, atol=1e-4)
    assert "its own" in result["notes"][0]


def test_a_model_of_another_input_or_class_count_is_refused(small_2d, scaler):
    y = voice_like()
    with pytest.raises(SercnnError, match="inputs of shape"):
        voice.predict_voice(small_2d, scaler, y, FeatureSettings(), CLASSES)
    with pytest.raises(SercnnError, match="7 outputs but 4 class names"):
        voice.predict_voice(small_2d, scaler, y, SETTINGS, CLASSES[:4])


# --- occlusion ---------------------------------------------------------------------------------------------


def planted_model() -> keras.Model:
    """Two classes; the logit of class 0 is the mean of rows 2-3, columns 4-7 of an 8 x 16 input, and
    nothing else reaches the output."""
    inputs = keras.Input((8, 16, 1))
    x = keras.layers.Cropping2D(((2, 4), (4, 8)))(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)
    dense = keras.layers.Dense(2, activation="softmax")
    outputs = dense(x)
    dense.set_weights([np.array([[3.0, 0.0]], np.float32), np.zeros(2, np.float32)])
    return keras.Model(inputs, outputs)


def test_occlusion_changes_only_where_the_planted_feature_matters():
    model = planted_model()
    x = np.ones((8, 16), np.float32)
    heat = voice.occlusion_map(model, x, 0, patch=(2, 4))
    assert heat.shape == (8, 16) and heat.dtype == np.float32
    planted = np.zeros((8, 16), bool)
    planted[2:4, 4:8] = True
    assert (heat[planted] > 0.1).all()  # hiding the region lowers p(class 0)
    np.testing.assert_allclose(heat[~planted], 0.0, atol=1e-6)
    # the other class gains what class 0 loses
    np.testing.assert_allclose(voice.occlusion_map(model, x[None, ..., None], 1, patch=(2, 4)), -heat, atol=1e-6)


def test_occlusion_with_overlapping_strides_and_clipped_edges_covers_every_cell():
    model = planted_model()
    x = np.ones((8, 16, 1), np.float32)
    heat = voice.occlusion_map(model, x, 0, patch=(3, 5), stride=(2, 3), batch_size=4)
    assert heat.shape == (8, 16)
    assert heat[2:4, 4:8].min() > 0 and np.abs(heat[6:, 12:]).max() < 1e-6
    with pytest.raises(ValueError, match="positive"):
        voice.occlusion_map(model, x, 0, patch=(0, 4))


def test_occlusion_of_the_2d_network_has_its_input_shape(small_2d, scaler):
    y, _ = voice.read_recording(encode(voice_like(), 16000), "me.wav", SETTINGS)
    result = voice.predict_voice(small_2d, scaler, y, SETTINGS, CLASSES)
    heat = voice.occlusion_map(small_2d, result["input"], result["predicted_index"], patch=SMALL_PATCH)
    assert heat.shape == (128, 63) and np.isfinite(heat).all()
    # the map repeats per patch: one value per 32 x 16 block (the last column block clipped to 15 frames)
    assert np.unique(heat[:32, :16]).size == 1


# --- a run directory named by the reader -------------------------------------------------------------------


def test_from_record_reads_settings_scaler_and_classes_and_ignores_unknown_keys(small_2d, scaler):
    record = record_for(scaler, normalise="train", model_seed=3, an_option_of_a_later_version=True)
    chosen = voice.from_record(small_2d, record)
    assert chosen.settings == SETTINGS and chosen.classes == CLASSES and chosen.source == "run test-run"
    np.testing.assert_allclose(chosen.scaler.mean, scaler.mean)
    speaker = {**record, "standardizer": SpeakerStandardizer({"03": scaler}).to_dict()}
    assert isinstance(voice.from_record(small_2d, speaker).scaler, SpeakerStandardizer)


def test_records_that_cannot_be_used_are_refused(small_2d, scaler):
    with pytest.raises(SercnnError, match="1D network"):
        voice.from_record(small_2d, record_for(scaler, model="1d"))
    with pytest.raises(SercnnError, match="standardiser or class names"):
        voice.from_record(small_2d, {"config": {"model": "2d"}})
    with pytest.raises(SercnnError, match="inputs of shape"):
        voice.from_record(small_2d, record_for(scaler, seconds=8.0))


def test_load_run_and_its_messages(tmp_path, small_2d, scaler):
    assert "no such run directory" in own_voice_model(str(tmp_path / "missing"))
    assert "no record.json" in own_voice_model(str(tmp_path))
    (tmp_path / "record.json").write_text(json.dumps(record_for(scaler)))
    assert "no model.keras" in own_voice_model(str(tmp_path))
    (tmp_path / "model.keras").write_bytes(b"not a model")
    assert "cannot be loaded" in own_voice_model(str(tmp_path))
    small_2d.save(tmp_path / "model.keras")
    loaded = own_voice_model(f"  {tmp_path}  ")
    assert isinstance(loaded, voice.VoiceModel) and loaded.classes == CLASSES
    data = encode(voice_like(), 16000)
    mine = voice.analyse(data, "me.wav", loaded, patch=None)
    theirs = voice.predict_voice(small_2d, scaler, voice.read_recording(data, "me.wav", SETTINGS)[0], SETTINGS,
                                 CLASSES)
    np.testing.assert_allclose(mine["probabilities"], theirs["probabilities"], rtol=1e-4, atol=1e-6)


def test_chapter_run_dir(tmp_path):
    from sercnn.book.notebook import _scratch

    assert voice.chapter_run_dir({"run": "05-2d-si-abc"}, str(tmp_path)) == tmp_path
    assert voice.chapter_run_dir({"run": "05-2d-si-abc"}, "") == _scratch() / "05-2d-si-abc"


# --- the widget's callbacks ----------------------------------------------------------------------------------


def upload_v8(data: bytes, name: str = "me.wav") -> tuple[dict, ...]:
    """ipywidgets 8's FileUpload value: a tuple of dicts, the content a memoryview."""
    return ({"name": name, "type": "audio/wav", "size": len(data), "last_modified": datetime.now(timezone.utc),
             "content": memoryview(data)},)


def upload_v7(data: bytes, name: str = "me.wav") -> dict:
    """ipywidgets 7's FileUpload value: a dict from file name to metadata and bytes."""
    return {name: {"metadata": {"name": name, "type": "audio/wav", "size": len(data)}, "content": data}}


def test_uploaded_file_reads_both_ipywidgets_formats():
    data = encode(voice_like(), 16000)
    assert uploaded_file(upload_v8(data)) == ("me.wav", data)
    assert uploaded_file(upload_v7(data)) == ("me.wav", data)
    assert uploaded_file(()) is None and uploaded_file({}) is None
    with pytest.raises(ValueError):
        uploaded_file(({"name": "x.wav"},))


def test_own_voice_result_on_both_formats_and_on_bad_input(chapter_voice):
    data = encode(voice_like(48000, channels=2), 48000)
    v = chapter_voice
    args = (v.model, v.scaler, v.settings, v.classes)
    results = [own_voice_result(value, *args, patch=SMALL_PATCH) for value in (upload_v8(data), upload_v7(data))]
    for result in results:
        assert isinstance(result, dict)
        assert result["probabilities"].sum() == pytest.approx(1.0, abs=1e-5)
        assert result["occlusion"].shape == (128, 63) and result["patch"] == SMALL_PATCH
        assert result["notes"][:2] == ["2 channels, averaged to mono", "sample rate 48000 Hz, resampled to 16000 Hz"]
    np.testing.assert_allclose(results[0]["probabilities"], results[1]["probabilities"], rtol=1e-5)
    assert own_voice_result((), *args).startswith("Upload a recording")
    assert own_voice_result(upload_v8(b""), *args) == "me.wav: empty: the upload holds no bytes"
    assert "too short" in own_voice_result(upload_v7(encode(voice_like(seconds=0.05), 16000)), *args)
    assert "cannot be read" in own_voice_result(({"size": 3},), *args)
    assert own_voice_result(upload_v8(data), None, None, None, ()).startswith("No model yet")


def test_plot_voice_draws_three_panels(chapter_voice):
    import matplotlib.pyplot as plt

    from sercnn.book.plots import plot_voice

    result = voice.analyse(encode(voice_like(), 16000), "me.wav", chapter_voice, patch=SMALL_PATCH)
    axes = plot_voice(result)
    assert len(axes) == 3 and "prediction" in axes[1].get_title() and "occlusion" in axes[2].get_title()
    assert len(axes[1].patches) >= len(CLASSES)
    plt.close(axes[0].figure)
    axes = plot_voice({**result, "occlusion": None})
    assert not axes[2].axison
    plt.close(axes[0].figure)


def test_the_widget_shows_messages_and_results(chapter_voice, tmp_path):
    pytest.importorskip("ipywidgets")
    import matplotlib.pyplot as plt

    widget = own_voice(chapter_voice, patch=SMALL_PATCH)
    (upload, button), run_box, message, _ = widget.children[0].children, *widget.children[1:]
    assert "untrained network" in message.value
    button.click()
    assert "Upload a recording" in message.value
    upload.value = upload_v8(encode(voice_like(8000), 8000))
    assert "predicted" in message.value and "resampled to 16000 Hz" in message.value
    upload.value = upload_v8(b"garbage" * 30, "bad.mp3")
    assert "bad.mp3: not a readable audio file" in message.value
    run_box.value = str(tmp_path / "nowhere")
    button.click()
    assert "no such run directory" in message.value
    run_box.value = ""
    upload.value = upload_v8(encode(voice_like(), 16000))
    assert "predicted" in message.value
    plt.close("all")
    assert "No model yet" in own_voice().children[2].value

