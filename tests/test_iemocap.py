"""The IEMOCAP loader on a small fake copy (tests/iemocap_fixture.py): selection rules and bad input."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from iemocap_fixture import TEMPLATES, dialogues, make_iemocap_fixture, selected_templates

from sercnn.datasets._manifest import MANIFEST_COLUMNS, labels
from sercnn.datasets.iemocap import CLASSES, load_iemocap
from sercnn.errors import (
    DatasetNotFoundError,
    IncompleteCorpusWarning,
    SkippedFilesWarning,
    UnknownLabelError,
)

EXTRA_COLUMNS = [
    "utterance",
    "session",
    "dialogue",
    "start_s",
    "end_s",
    "valence",
    "arousal",
    "dominance",
    "consensus",
]
SPEAKERS = [f"Ses{n:02d}{g}" for n in range(1, 6) for g in "FM"]
IMPROVISED_PER_SESSION = 2
DIALOGUES_PER_SESSION = 3


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One clean fake copy shared by the read-only tests."""
    return make_iemocap_fixture(tmp_path_factory.mktemp("iemocap"))


def load_quietly(root: Path, **kwargs) -> pd.DataFrame:
    """Load and fail on any warning: the clean fixture must load without one."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return load_iemocap(root, **kwargs)


def expected_count(templates: list[int], *, dialogues_per_session: int = IMPROVISED_PER_SESSION) -> int:
    return 5 * dialogues_per_session * 2 * len(templates)


def only_one(df: pd.DataFrame, utterance: str) -> pd.Series:
    rows = df[df["utterance"] == utterance]
    assert len(rows) == 1, f"{utterance}: {len(rows)} rows"
    return rows.iloc[0]


# --- the manifest ------------------------------------------------------------------------------------------


def test_columns_and_dtypes(corpus: Path) -> None:
    df = load_quietly(corpus)
    assert list(df.columns) == [*MANIFEST_COLUMNS, *EXTRA_COLUMNS]
    assert isinstance(df["emotion"].dtype, pd.CategoricalDtype)
    assert list(df["emotion"].cat.categories) == CLASSES
    assert not df["emotion"].isna().any()
    for col in ("duration_s", "start_s", "end_s", "valence", "arousal", "dominance"):
        assert pd.api.types.is_float_dtype(df[col]), col
    for col in ("sample_rate", "channels", "session"):
        assert pd.api.types.is_integer_dtype(df[col]), col
    for col in ("path", "corpus", "speaker", "gender", "text", "utterance", "dialogue", "consensus"):
        assert pd.api.types.is_string_dtype(df[col]) or df[col].dtype == object, col
    assert set(df["corpus"]) == {"iemocap"}
    assert set(df["sample_rate"]) == {16000} and set(df["channels"]) == {1}
    assert np.allclose(df["duration_s"], 0.5)
    assert df.attrs["corpus"] == "iemocap"
    assert df.attrs["classes"] == CLASSES
    assert df.attrs["source"] == f"local copy at {corpus}"
    assert df.attrs["skipped"] == [] and df.attrs["missing"] == []
    assert list(labels(df)) == [CLASSES.index(e) for e in df["emotion"]]
    assert df["path"].is_monotonic_increasing
    for row in df.itertuples():
        assert Path(row.path).name == f"{row.utterance}.wav"
        assert Path(row.path).parent.name == row.dialogue == row.text
        assert Path(row.path).parents[2].name == "sentences"
        assert Path(row.path).parents[3].name == f"Session{row.session}"


def test_header_fields(corpus: Path) -> None:
    df = load_quietly(corpus)
    row = only_one(df, "Ses01F_impro01_M001")  # TEMPLATES[1], anger, the second M utterance
    assert row["consensus"] == "ang" and row["emotion"] == "angry"
    assert (row["start_s"], row["end_s"]) == (3.25, 3.75)
    assert (row["valence"], row["arousal"], row["dominance"]) == (1.5, 4.0, 4.5)
    assert row["session"] == 1 and row["dialogue"] == "Ses01F_impro01"


def test_default_selection_is_the_papers(corpus: Path) -> None:
    df = load_quietly(corpus)
    keep = selected_templates()
    assert len(df) == expected_count(keep)
    assert set(df["consensus"]) == {TEMPLATES[i].code for i in keep} == {"ang", "exc", "fru", "hap", "neu", "sad"}
    # every speaker, every class: what speaker-independent splits need
    assert sorted(df["speaker"].unique()) == SPEAKERS
    assert (pd.crosstab(df["speaker"], df["emotion"]) > 0).all().all()


# --- speakers -----------------------------------------------------------------------------------------------


def test_speaker_comes_from_the_utterance_id_not_the_dialogue(corpus: Path) -> None:
    df = load_quietly(corpus)
    male_in_female_dialogue = only_one(df, "Ses01F_impro01_M000")
    assert male_in_female_dialogue["speaker"] == "Ses01M"
    assert male_in_female_dialogue["gender"] == "male"
    female_in_male_dialogue = only_one(df, "Ses03M_impro02_F000")
    assert female_in_male_dialogue["speaker"] == "Ses03F"
    assert female_in_male_dialogue["gender"] == "female"
    for row in df.itertuples():
        letter = row.utterance.rsplit("_", 1)[1][0]
        assert row.speaker == f"Ses{row.session:02d}{letter}"
        assert row.gender == {"F": "female", "M": "male"}[letter]
    assert df.groupby("speaker")["gender"].nunique().eq(1).all()


# --- selection ----------------------------------------------------------------------------------------------


def test_agreement_all_drops_a_dissenting_evaluator_majority_keeps_it(corpus: Path) -> None:
    # TEMPLATES[2]: consensus fru, evaluators "Frustration;", "Frustration; Anger;", "Anger;"
    dissent = "Ses01F_impro01_F002"
    assert TEMPLATES[2].code == "fru"
    strict = load_quietly(corpus, agreement="all")
    loose = load_quietly(corpus, agreement="majority")
    assert dissent not in set(strict["utterance"])
    assert only_one(loose, dissent)["emotion"] == "frustrated"
    assert len(loose) == expected_count(selected_templates(agreement="majority"))
    assert set(strict["utterance"]) < set(loose["utterance"])
    # an evaluator that lists the consensus among several labels agrees (TEMPLATES[0], [5])
    assert "Ses01F_impro01_F000" in set(strict["utterance"])
    assert "Ses01F_impro01_F005" in set(strict["utterance"])
    assert strict.attrs["agreement"] == "all" and loose.attrs["agreement"] == "majority"


def test_self_evaluations_count_unless_told_otherwise(corpus: Path) -> None:
    # TEMPLATES[4]: the external evaluators all say Sadness, the speaker's own C-F1/C-M1 says Neutral
    utterance = "Ses02M_impro02_M004"
    assert TEMPLATES[4].code == "sad"
    with_self = load_quietly(corpus)
    without_self = load_quietly(corpus, include_self_evaluations=False)
    assert utterance not in set(with_self["utterance"])
    assert only_one(without_self, utterance)["emotion"] == "sad"
    assert len(without_self) == expected_count(selected_templates(include_self_evaluations=False))


def test_no_majority_and_other_are_never_selected(corpus: Path) -> None:
    for agreement in ("all", "majority"):
        df = load_quietly(corpus, agreement=agreement, classes=[*CLASSES, "surprised"])
        assert not set(df["consensus"]) & {"xxx", "oth"}


def test_improvised_only(corpus: Path) -> None:
    impro = load_quietly(corpus)
    assert impro["dialogue"].str.contains("_impro").all()
    everything = load_quietly(corpus, improvised_only=False)
    scripted = everything[everything["dialogue"].str.contains("_script")]
    assert len(everything) == expected_count(selected_templates(), dialogues_per_session=DIALOGUES_PER_SESSION)
    assert len(scripted) == len(everything) - len(impro)
    row = only_one(everything, "Ses04F_script01_1_M000")  # the dialogue name itself has an underscore
    assert row["dialogue"] == row["text"] == "Ses04F_script01_1"
    assert row["speaker"] == "Ses04M"


def test_class_filter_and_order(corpus: Path) -> None:
    df = load_quietly(corpus, classes=["sad", "angry"])
    assert list(df["emotion"].cat.categories) == ["sad", "angry"]
    assert set(df["consensus"]) == {"sad", "ang"}
    assert list(labels(df)) == [0 if c == "sad" else 1 for c in df["consensus"]]
    with_surprise = load_quietly(corpus, classes=[*CLASSES, "surprised"])
    assert (with_surprise["emotion"] == "surprised").sum() == expected_count([7])
    assert TEMPLATES[7].code == "sur"


def test_unknown_classes_raise(corpus: Path) -> None:
    with pytest.raises(UnknownLabelError, match="'anger'"):
        load_iemocap(corpus, classes=["anger", "sad"])
    with pytest.raises(UnknownLabelError, match="other"):
        load_iemocap(corpus, classes=["other"])
    with pytest.raises(UnknownLabelError):
        load_iemocap(corpus, classes=[])
    with pytest.raises(UnknownLabelError, match="more than once"):
        load_iemocap(corpus, classes=["sad", "sad"])
    with pytest.raises(UnknownLabelError, match="string"):
        load_iemocap(corpus, classes="sad")
    with pytest.raises(ValueError, match="agreement"):
        load_iemocap(corpus, agreement="most")


def test_empty_selection_keeps_every_column(tmp_path: Path) -> None:
    root = make_iemocap_fixture(tmp_path, sessions=5, utterances_per_speaker=1)  # neutral only
    df = load_quietly(root, classes=["angry"])
    assert len(df) == 0
    assert list(df.columns) == [*MANIFEST_COLUMNS, *EXTRA_COLUMNS]


# --- where the corpus is ------------------------------------------------------------------------------------


def test_parent_folder_of_full_release_is_accepted(tmp_path: Path) -> None:
    make_iemocap_fixture(tmp_path / "IEMOCAP_full_release", utterances_per_speaker=2)
    df = load_quietly(tmp_path)
    assert len(df) == 5 * IMPROVISED_PER_SESSION * 2 * 2  # templates 0 (neu) and 1 (ang)
    assert all("IEMOCAP_full_release" in p for p in df["path"])
    assert df.attrs["root"] == str(tmp_path)


def test_missing_root_raises(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(DatasetNotFoundError, match="does not exist") as info:
        load_iemocap(missing)
    assert str(missing) in str(info.value) and "Session1" in str(info.value)
    assert isinstance(info.value, FileNotFoundError)


def test_root_without_sessions_raises(tmp_path: Path) -> None:
    (tmp_path / "Documentation").mkdir()
    with pytest.raises(DatasetNotFoundError, match="no Session1") as info:
        load_iemocap(tmp_path)
    assert str(tmp_path) in str(info.value)
    assert "IEMOCAP_full_release" in str(info.value)


def test_missing_sessions_warn(tmp_path: Path) -> None:
    root = make_iemocap_fixture(tmp_path, sessions=2, utterances_per_speaker=1)
    with pytest.warns(IncompleteCorpusWarning, match="Session3, Session4, Session5"):
        df = load_iemocap(root)
    assert df.attrs["missing"] == ["Session3", "Session4", "Session5"]
    assert sorted(df["speaker"].unique()) == ["Ses01F", "Ses01M", "Ses02F", "Ses02M"]


# --- bad input: each problem is a skipped entry naming the file ----------------------------------------------


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """A fresh copy the test may damage: 3 utterances per speaker (templates 0..2)."""
    return make_iemocap_fixture(tmp_path, utterances_per_speaker=3)


def label_file(root: Path, dialogue: str = "Ses01F_impro01") -> Path:
    return root / f"Session{int(dialogue[3:5])}" / "dialog" / "EmoEvaluation" / f"{dialogue}.txt"


def wav_file(root: Path, utterance: str) -> Path:
    dialogue = utterance.rsplit("_", 1)[0]
    return root / f"Session{int(utterance[3:5])}" / "sentences" / "wav" / dialogue / f"{utterance}.wav"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def load_skipping(root: Path, **kwargs) -> tuple[pd.DataFrame, list[dict]]:
    with pytest.warns(SkippedFilesWarning) as record:
        df = load_iemocap(root, **kwargs)
    message = str(record[0].message)
    for entry in df.attrs["skipped"]:
        assert set(entry) >= {"path", "reason"}
    assert df.attrs["skipped"][0]["path"] in message
    return df, df.attrs["skipped"]


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), start=1) if text in line)


def test_unparsable_header_line_skips_that_utterance(small: Path) -> None:
    path = label_file(small)
    lineno = line_of(path, "Ses01F_impro01_M000")
    edit(path, "[1.7500 - 2.2500]\tSes01F_impro01_M000", "[1.7500 -]\tSes01F_impro01_M000")
    df, skipped = load_skipping(small)
    assert [s["path"] for s in skipped] == [str(path)]
    assert f"line {lineno}" in skipped[0]["reason"] and "cannot parse" in skipped[0]["reason"]
    assert "Ses01F_impro01_M000" not in set(df["utterance"])
    assert "Ses01F_impro01_F000" in set(df["utterance"])  # the rest of the file is still read
    assert "Ses01F_impro01_M001" in set(df["utterance"])
    assert len(df) == expected_count([0, 1]) - 1


def test_unparsable_evaluator_line_skips_that_utterance(small: Path) -> None:
    path = label_file(small, "Ses02M_impro02")
    text = path.read_text()
    block = text[text.index("Ses02M_impro02_F001") :]
    lineno = line_of(path, "Ses02M_impro02_F001") + 1
    assert block.splitlines()[1] == "C-E1:\tAnger;\t()"
    path.write_text(text.replace(block, block.replace("C-E1:\tAnger;\t()", "C-E1\tAnger", 1), 1))
    df, skipped = load_skipping(small)
    assert [s["path"] for s in skipped] == [str(path)]
    assert f"line {lineno}" in skipped[0]["reason"] and "Ses02M_impro02_F001" in skipped[0]["reason"]
    assert "Ses02M_impro02_F001" not in set(df["utterance"])
    assert len(df) == expected_count([0, 1]) - 1


def test_stray_line_skips_that_utterance(small: Path) -> None:
    path = label_file(small)
    edit(path, "C-E2:\tNeutral;\t()", "C-E2:\tNeutral;\t()\nsomething odd")
    df, skipped = load_skipping(small)
    assert skipped[0]["path"] == str(path) and "'something odd'" in skipped[0]["reason"]
    assert "Ses01F_impro01_F000" not in set(df["utterance"])


def test_unknown_consensus_code_is_skipped(small: Path) -> None:
    path = label_file(small)
    edit(path, "Ses01F_impro01_F001\tang", "Ses01F_impro01_F001\tjoy")
    df, skipped = load_skipping(small)
    assert skipped[0]["path"] == str(path)
    assert "'joy'" in skipped[0]["reason"] and "Ses01F_impro01_F001" in skipped[0]["reason"]
    assert "Ses01F_impro01_F001" not in set(df["utterance"])
    assert len(df) == expected_count([0, 1]) - 1


def test_unknown_evaluator_label_is_skipped(small: Path) -> None:
    path = label_file(small)
    edit(path, "C-E3:\tNeutral;\t()", "C-E3:\tNeutral; Joy;\t()")
    df, skipped = load_skipping(small)
    assert skipped[0]["path"] == str(path)
    assert "'Joy'" in skipped[0]["reason"] and "Ses01F_impro01_F000" in skipped[0]["reason"]
    assert "Ses01F_impro01_F000" not in set(df["utterance"])


def test_known_label_spellings_are_accepted(small: Path) -> None:
    path = label_file(small)
    edit(path, "C-E1:\tNeutral;\t()", "C-E1:\tNeutral state;\t(calm; polite)")
    edit(path, "C-E2:\tNeutral;\t()", "C-E2:\tneutral; Other:curious;\t()")
    df = load_quietly(small)
    assert "Ses01F_impro01_F000" in set(df["utterance"])


def test_missing_evaluator_lines_are_reported_under_all(small: Path) -> None:
    path = label_file(small)
    text = path.read_text()
    start = text.index("Ses01F_impro01_F001")
    block = text[start : text.index("\n\n", start)]
    stripped = "\n".join(line for line in block.splitlines() if not line.startswith("C-"))
    path.write_text(text.replace(block, stripped))
    df, skipped = load_skipping(small)
    assert skipped[0]["path"] == str(path) and "no categorical evaluator" in skipped[0]["reason"]
    assert "Ses01F_impro01_F001" not in set(df["utterance"])
    majority = load_quietly(small, agreement="majority")  # the consensus alone is enough there
    assert "Ses01F_impro01_F001" in set(majority["utterance"])


def test_missing_wav_is_skipped(small: Path) -> None:
    wav = wav_file(small, "Ses03M_impro02_M001")
    wav.unlink()
    df, skipped = load_skipping(small)
    assert [s["path"] for s in skipped] == [str(wav)]
    assert "missing" in skipped[0]["reason"] and "Ses03M_impro02.txt" in skipped[0]["reason"]
    assert len(df) == expected_count([0, 1]) - 1


def test_missing_wav_of_an_unselected_utterance_is_no_loss(small: Path) -> None:
    wav_file(small, "Ses03M_impro02_M002").unlink()  # TEMPLATES[2]: out under agreement="all"
    wav_file(small, "Ses03F_script01_1_F000").unlink()  # scripted: out under improvised_only
    df = load_quietly(small)
    assert len(df) == expected_count([0, 1])


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        ("corrupt", "not a readable audio file"),
        ("empty", "empty"),
        ("silent", "all-silent"),
    ],
)
def test_unusable_wav_is_skipped(small: Path, damage: str, problem: str) -> None:
    wav = wav_file(small, "Ses05F_impro01_F000")
    if damage == "corrupt":
        wav.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk" + bytes(100))
    elif damage == "empty":
        sf.write(wav, np.zeros(0, dtype="float32"), 16000, subtype="PCM_16")
    else:
        sf.write(wav, np.zeros(8000, dtype="float32"), 16000, subtype="PCM_16")
    df, skipped = load_skipping(small)
    assert [s["path"] for s in skipped] == [str(wav)]
    assert problem in skipped[0]["reason"]
    assert "Ses05F_impro01_F000" not in set(df["utterance"])
    assert len(df) == expected_count([0, 1]) - 1


def test_duplicate_utterance_is_skipped(small: Path) -> None:
    path = label_file(small)
    text = path.read_text()
    start = text.index("[", text.index("Ses01F_impro01_F001") - 30)
    block = text[start : text.index("\n\n", start) + 2]
    path.write_text(text + "\n" + block)
    df, skipped = load_skipping(small)
    assert skipped[0]["path"] == str(path) and "listed twice" in skipped[0]["reason"]
    assert (df["utterance"] == "Ses01F_impro01_F001").sum() == 1


def test_session_without_label_files_is_reported(small: Path) -> None:
    eval_dir = small / "Session4" / "dialog" / "EmoEvaluation"
    for path in eval_dir.glob("*.txt"):
        path.unlink()
    df, skipped = load_skipping(small)
    assert skipped[0]["path"] == str(eval_dir) and "no label files" in skipped[0]["reason"]
    assert not (df["session"] == 4).any()


def test_fixture_layout(tmp_path: Path) -> None:
    root = make_iemocap_fixture(tmp_path, sessions=1, utterances_per_speaker=2)
    assert sorted(p.name for p in (root / "Session1" / "dialog" / "EmoEvaluation").iterdir()) == sorted(
        f"{d}.txt" for d in dialogues(1)
    )
    wav = root / "Session1" / "sentences" / "wav" / "Ses01F_impro01" / "Ses01F_impro01_F000.wav"
    info = sf.info(wav)
    assert (info.samplerate, info.channels, info.subtype) == (16000, 1, "PCM_16")
    again = make_iemocap_fixture(tmp_path / "again", sessions=1, utterances_per_speaker=2)
    assert wav.read_bytes() == (again / wav.relative_to(root)).read_bytes()
