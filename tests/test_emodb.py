"""EmoDB manifest, download verification and safe extraction, and bad input."""

from __future__ import annotations

import io
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from conftest import write_tone

from sercnn.datasets import emodb as E
from sercnn.datasets import labels, load_emodb
from sercnn.errors import (
    CorruptArchiveError,
    DatasetNotFoundError,
    IncompleteCorpusWarning,
    SkippedFilesWarning,
)

# Counts from the corpus documentation (and the shared copy's README).
EMOTION_COUNTS = {"anger": 127, "boredom": 81, "disgust": 46, "fear": 69, "happiness": 71, "neutral": 79, "sadness": 62}
SPEAKER_COUNTS = {"03": 49, "08": 58, "09": 43, "10": 38, "11": 55, "12": 35, "13": 61, "14": 69, "15": 56, "16": 71}


@pytest.mark.emodb
def test_real_emodb_manifest(emodb):
    df = emodb
    assert len(df) == 535
    for col in ("path", "corpus", "speaker", "gender", "text", "emotion", "duration_s"):
        assert col in df.columns
    assert df["emotion"].value_counts().to_dict() == EMOTION_COUNTS
    assert df["speaker"].value_counts().to_dict() == SPEAKER_COUNTS
    assert set(df.loc[df.gender == "male", "speaker"]) == {"03", "10", "11", "12", "15"}
    assert set(df.loc[df.gender == "female", "speaker"]) == {"08", "09", "13", "14", "16"}
    assert df["text"].nunique() == 10
    assert (df["corpus"] == "emodb").all()
    assert df.attrs["skipped"] == [] and df.attrs["missing"] == []
    row = df.set_index("utterance").loc["03a01Fa"]
    assert (row.speaker, row.text, row.emotion, row.version) == ("03", "a01", "happiness", "a")
    assert list(df.attrs["classes"]) == E.CLASSES
    assert labels(df).min() == 0 and labels(df).max() == 6
    # The manifest works on the redistributed copy (22050 Hz, 2 s) as on the original (16 kHz, 1.2-9 s):
    assert df["duration_s"].between(0.5, 10).all()


def test_expected_files_are_the_corpus():
    names = E.expected_files()
    assert len(names) == 535 == len(set(names))
    assert all(E.NAME_PATTERN.match(n) for n in names)


def _small_copy(root: Path, names=("03a01Fa.wav", "08a02Wc.wav", "16b10Tb.wav")) -> Path:
    for i, n in enumerate(names):
        write_tone(root / "wav" / n, seed=i)
    return root


def test_bad_files_are_skipped_with_reasons(tmp_path):
    root = _small_copy(tmp_path / "emodb")
    wav = root / "wav"
    (wav / "03a02Fc.wav").write_bytes(b"RIFF\x00\x00garbage")  # corrupt
    sf.write(wav / "03a04Ad.wav", np.zeros(0, np.float32), 16000)  # empty
    sf.write(wav / "03a04Lc.wav", np.zeros(16000, np.float32), 16000)  # all-silent
    write_tone(wav / "03a05Xa.wav")  # unknown emotion letter
    write_tone(wav / "99a01Fa.wav")  # unknown speaker
    write_tone(wav / "notes.wav")  # not an EmoDB name
    write_tone(wav / "09a01Wa.wav", sr=22050, channels=2)  # usable: other rate, stereo
    with pytest.warns(SkippedFilesWarning, match="6 file"), pytest.warns(IncompleteCorpusWarning):
        df = load_emodb(root)
    assert sorted(df["utterance"]) == ["03a01Fa", "08a02Wc", "09a01Wa", "16b10Tb"]
    reasons = {Path(s["path"]).name: s["reason"] for s in df.attrs["skipped"]}
    assert "not a readable audio file" in reasons["03a02Fc.wav"]
    assert "empty" in reasons["03a04Ad.wav"]
    assert "all-silent" in reasons["03a04Lc.wav"]
    assert "unknown emotion letter 'X'" in reasons["03a05Xa.wav"]
    assert "unknown speaker" in reasons["99a01Fa.wav"]
    assert "pattern" in reasons["notes.wav"]
    stereo = df.set_index("utterance").loc["09a01Wa"]
    assert (stereo.sample_rate, stereo.channels) == (22050, 2)


def test_incomplete_copy_warns_and_lists_missing(tmp_path):
    root = _small_copy(tmp_path / "emodb")
    with pytest.warns(IncompleteCorpusWarning, match="532 of 535"):
        df = load_emodb(root)
    assert len(df.attrs["missing"]) == 532
    assert len(df) == 3


def test_explicit_missing_root_says_what_to_do(tmp_path):
    with pytest.raises(DatasetNotFoundError) as info:
        load_emodb(tmp_path / "nowhere")
    message = str(info.value)
    assert str(tmp_path / "nowhere") in message and E.URL in message and "SERCNN_DATA" in message


def test_sercnn_data_is_honoured(tmp_path, monkeypatch):
    _small_copy(tmp_path / "emodb")
    monkeypatch.setenv("SERCNN_DATA", str(tmp_path))
    with pytest.warns(IncompleteCorpusWarning):
        df = load_emodb()
    assert "SERCNN_DATA" in df.attrs["source"] and len(df) == 3


def test_offline_download_fails_in_one_sentence(tmp_path, monkeypatch):
    import pooch

    def offline(*args, **kwargs):
        raise ConnectionError("network unreachable")

    monkeypatch.setenv("SERCNN_DATA", str(tmp_path))
    monkeypatch.setattr(pooch, "retrieve", offline)
    with pytest.raises(DatasetNotFoundError) as info:
        load_emodb()
    message = str(info.value)
    assert "download" in message and E.URL in message and "network unreachable" in message
    assert message.count(". ") == 0  # one sentence


# --- archives -----------------------------------------------------------------------------------------

def _tiny_wav_bytes() -> bytes:
    """0.2 s of tone: short, but longer than one analysis frame (``_manifest.MIN_DURATION_S``)."""
    buf = io.BytesIO()
    t = np.arange(3200) / 16000
    sf.write(buf, (0.3 * np.sin(2 * np.pi * 200 * t)).astype(np.float32), 16000, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def _archive(path: Path, *, drop: int = 0, extra: dict[str, bytes] | None = None, symlink: str | None = None) -> Path:
    data = _tiny_wav_bytes()
    with zipfile.ZipFile(path, "w") as zf:
        for name in E.expected_files()[drop:]:
            zf.writestr(f"wav/{name}", data)
        zf.writestr("erklaerung.txt", "Erklärung")
        zf.writestr("lablaut/03a01Fa.lablaut", "labels")
        for name, content in (extra or {}).items():
            zf.writestr(name, content)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (0o120777 << 16)
            zf.writestr(info, "/etc/passwd")
    return path


def test_sound_archive_extracts_into_root(tmp_path):
    root = E.extract_archive(_archive(tmp_path / "download.zip"), tmp_path / "data" / "emodb")
    assert len(list((root / "wav").glob("*.wav"))) == 535
    assert (root / "erklaerung.txt").exists()
    assert not (root / "lablaut").exists()  # only what the package uses
    assert not list((tmp_path / "data").glob(".emodb-extract-*"))  # no staging left behind
    df = load_emodb(root)
    assert len(df) == 535


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(extra={"../evil.txt": b"x"}), "outside the target"),
        (dict(extra={"/etc/evil.wav": b"x"}), "outside the target"),
        (dict(extra={"wav/../../evil.wav": b"x"}), "outside the target"),
        (dict(symlink="wav/link.wav"), "symbolic link"),
        (dict(drop=10), "incomplete, 10 of 535"),
    ],
)
def test_hostile_or_incomplete_archives_write_nothing(tmp_path, kwargs, message):
    archive = _archive(tmp_path / "download.zip", **kwargs)
    with pytest.raises(CorruptArchiveError, match=message) as info:
        E.extract_archive(archive, tmp_path / "data" / "emodb")
    assert str(archive) in str(info.value)
    assert not (tmp_path / "data" / "emodb").exists()
    assert not (tmp_path / "evil.txt").exists()


def test_truncated_archive(tmp_path):
    archive = _archive(tmp_path / "download.zip")
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptArchiveError, match="not a readable zip archive") as info:
        E.extract_archive(archive, tmp_path / "emodb")
    assert str(archive) in str(info.value)
    assert not (tmp_path / "emodb").exists()


def test_download_verifies_and_sets_aside_a_bad_archive(tmp_path, monkeypatch):
    import pooch

    def fake_retrieve(url, known_hash, fname, path, progressbar):
        target = Path(path) / fname
        target.write_bytes(b"PK\x03\x04 truncated")
        return str(target)

    monkeypatch.setenv("SERCNN_DATA", str(tmp_path))
    monkeypatch.setattr(pooch, "retrieve", fake_retrieve)
    with pytest.raises(CorruptArchiveError):
        load_emodb()
    assert (tmp_path / "emodb-download.zip.corrupt").exists()
    assert not (tmp_path / "emodb-download.zip").exists()


def test_download_then_load(tmp_path, monkeypatch):
    import pooch

    def fake_retrieve(url, known_hash, fname, path, progressbar):
        assert url == E.URL
        return str(_archive(Path(path) / fname))

    monkeypatch.setenv("SERCNN_DATA", str(tmp_path))
    monkeypatch.setattr(pooch, "retrieve", fake_retrieve)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = load_emodb()
    assert len(df) == 535 and "downloaded" in df.attrs["source"]


def test_archive_that_unpacks_too_large_is_refused(tmp_path, monkeypatch):
    archive = _archive(tmp_path / "download.zip")
    monkeypatch.setattr(E, "MAX_ARCHIVE_BYTES", 1000)
    with pytest.raises(CorruptArchiveError, match="unpacks to"):
        E.extract_archive(archive, tmp_path / "emodb")
    assert not (tmp_path / "emodb").exists()


def test_original_archive_form_works_end_to_end(tmp_path):
    """The original corpus is 16 kHz with 1.2-9 s per file: nothing may assume the shared copy's form."""
    from sercnn.features import extract

    root = tmp_path / "emodb"
    for i, (name, seconds) in enumerate([("03a01Fa.wav", 1.2), ("08a02Wc.wav", 9.0), ("16b10Tb.wav", 3.3)]):
        write_tone(root / "wav" / name, sr=16000, seconds=seconds, seed=i)
    with pytest.warns(IncompleteCorpusWarning):
        df = load_emodb(root)
    assert df["sample_rate"].tolist() == [16000] * 3
    assert sorted(df["duration_s"].round(1)) == [1.2, 3.3, 9.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no resampling, no conversion warnings
        x = extract(df, "logmel", cache_dir=tmp_path / "cache", progress=False)
        w = extract(df, "waveform", cache_dir=tmp_path / "cache", progress=False)
    assert x.shape == (3, 128, 251) and w.shape == (3, 128000)


def test_download_into_a_folder_with_an_empty_wav_dir(tmp_path, monkeypatch):
    import pooch

    (tmp_path / "emodb" / "wav").mkdir(parents=True)
    (tmp_path / "emodb" / "wav" / ".DS_Store").write_bytes(b"x")
    (tmp_path / "emodb" / "my-notes.txt").write_text("keep me")
    monkeypatch.setenv("SERCNN_DATA", str(tmp_path))
    monkeypatch.setattr(pooch, "retrieve", lambda url, known_hash, fname, path, progressbar: str(
        _archive(Path(path) / fname)))
    df = load_emodb()
    assert len(df) == 535
    assert (tmp_path / "emodb" / "my-notes.txt").read_text() == "keep me"
    assert (tmp_path / "emodb" / "wav" / ".DS_Store").exists()
