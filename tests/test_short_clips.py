"""A clip shorter than one analysis frame (a wav truncated to a few bytes reads as one) is skipped and named
like an unreadable file, never turned into a spectrogram of padding that trains with its label."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from sercnn.datasets._manifest import MIN_DURATION_S, probe_audio, probe_many
from sercnn.errors import AudioFileError
from sercnn.features import N_FFT, SAMPLE_RATE


def test_the_floor_is_one_analysis_frame():
    assert MIN_DURATION_S == pytest.approx(N_FFT / SAMPLE_RATE)


def test_a_truncated_wav_is_skipped_and_named(tmp_path):
    good = tmp_path / "03a01Wa.wav"
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    sf.write(good, (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), SAMPLE_RATE, subtype="PCM_16")
    cut = tmp_path / "03a01Wb.wav"
    cut.write_bytes(good.read_bytes()[:100])  # the header and 28 samples: 1.75 ms
    assert probe_audio(good).duration_s == pytest.approx(1.0)
    with pytest.raises(AudioFileError, match=r"03a01Wb\.wav.*too short: 1\.\d ms, less than one analysis frame"):
        probe_audio(cut)
    results = probe_many([good, cut])
    assert not isinstance(results[0], AudioFileError) and isinstance(results[1], AudioFileError)
