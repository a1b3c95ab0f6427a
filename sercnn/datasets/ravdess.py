"""RAVDESS (Livingstone & Russo, PLoS ONE 2018): a second acted corpus, in English, beyond the paper.

The Ryerson Audio-Visual Database of Emotional Speech and Song: 24 professional actors (odd ids male, even
ids female), two fixed sentences, each said twice, with eight emotions (neutral, calm, happy, sad, angry,
fearful, disgust, surprised) at normal and, except neutral, strong intensity. The official audio-only
speech release is ``Audio_Speech_Actors_01-24.zip`` of Zenodo record 1188976 (1440 files, 48 kHz, in
``Actor_01`` .. ``Actor_24``). It is licensed CC BY-NC-SA 4.0: this module reads a user's own copy and
downloads nothing.

Every file name codes the recording in seven two-digit fields,
``modality-vocalchannel-emotion-intensity-statement-repetition-actor``: ``03-01-05-01-02-01-12.wav`` is
audio-only (03), speech (01), angry (05), normal intensity (01), the second sentence (02), first take (01),
actor 12 (female). The emotions that EmoDB shares get EmoDB's class names here (angry -> anger, happy ->
happiness, sad -> sadness, fearful -> fear, disgust, neutral), so that a model or a table can put the two
corpora side by side; EmoDB's boredom has no RAVDESS counterpart, and calm and surprised have none in EmoDB.

Notebook: ``book/01_data.ipynb``.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Iterable

import pandas as pd

from ..errors import DatasetNotFoundError, IncompleteCorpusWarning, UnknownLabelError
from ..paths import DATA_ENV
from ._manifest import make_manifest, probe_many, user_copy_root
from .emodb import CLASSES as EMODB_CLASSES

#: The official release: Zenodo record 1188976 (its DOI), and the archive of the audio-only speech files.
URL = "https://doi.org/10.5281/zenodo.1188976"
ARCHIVE = "Audio_Speech_Actors_01-24.zip"
LICENCE = "CC BY-NC-SA 4.0"
CITATION = (
    "Livingstone SR, Russo FA (2018), The Ryerson Audio-Visual Database of Emotional Speech and Song "
    "(RAVDESS), PLoS ONE 13(5): e0196391, doi:10.1371/journal.pone.0196391"
)

#: Field codes of a RAVDESS file name (the release's documentation).
MODALITIES = {"01": "full-AV", "02": "video-only", "03": "audio-only"}
VOCAL_CHANNELS = {"01": "speech", "02": "song"}
EMOTION_CODES = {
    "01": "neutral",
    "02": "calm",
    "03": "happy",
    "04": "sad",
    "05": "angry",
    "06": "fearful",
    "07": "disgust",
    "08": "surprised",
}
INTENSITY_CODES = {"01": "normal", "02": "strong"}
STATEMENTS = {"01": "Kids are talking by the door", "02": "Dogs are sitting by the door"}
REPETITIONS = {"01": 1, "02": 2}
ACTORS = [f"{a:02d}" for a in range(1, 25)]

#: RAVDESS emotion -> this package's class name (EmoDB's where EmoDB has the emotion).
CLASS_NAMES = {
    "neutral": "neutral",
    "calm": "calm",
    "happy": "happiness",
    "sad": "sadness",
    "angry": "anger",
    "fearful": "fear",
    "disgust": "disgust",
    "surprised": "surprised",
}
#: The six classes RAVDESS shares with EmoDB, in EmoDB's order (EmoDB's classes without boredom): the default.
CLASSES = [c for c in EMODB_CLASSES if c in CLASS_NAMES.values()]
#: All eight classes (``emotions="all"``), in the same alphabetical order as EmoDB's.
ALL_CLASSES = sorted(CLASS_NAMES.values())
INTENSITIES = ("normal", "strong")

NAME_PATTERN = re.compile(r"^\d\d(?:-\d\d){6}$")
ACTOR_FOLDER = re.compile(r"^Actor_(?P<actor>\d\d)$")
GENDERS = {1: "male", 0: "female"}  # actor id parity

#: Extra manifest columns (beyond ``_manifest.MANIFEST_COLUMNS``) and their types, for an empty selection too.
EXTRA_DTYPES = {
    "utterance": "str",
    "ravdess_emotion": "str",
    "intensity": "str",
    "statement": "str",
    "repetition": "int64",
    "sentence": "str",
}


def load_ravdess(
    root: str | Path | None = None,
    *,
    emotions: str | Iterable[str] = tuple(CLASSES),
    intensities: str | Iterable[str] = ("normal",),
) -> pd.DataFrame:
    """The RAVDESS manifest: one row per selected, usable speech file (see ``_manifest`` for the columns).

    ``root`` holds the wav files anywhere below it: the official release's ``Actor_01`` .. ``Actor_24``
    folders or one flat folder such as ``wav/``. Without it: ``$SERCNN_DATA/ravdess``, else the per-user
    data folder's ``ravdess``. ``emotions`` names classes in RAVDESS' words (``angry``) or this package's
    (``anger``), or is ``"all"`` for the eight; default: the six that EmoDB shares. ``intensities`` is any
    of ``"normal"``, ``"strong"`` (or ``"all"``); RAVDESS recorded neutral at normal intensity only.

    ``speaker`` is the actor as two digits, ``text`` the sentence code (``01``, ``02``); extra columns:
    ``utterance`` (the file stem), ``ravdess_emotion``, ``intensity``, ``statement``, ``repetition``,
    ``sentence``. Song files (vocal channel 02, the sister release ``Audio_Song_Actors_01-24.zip`` unpacks
    into the same ``Actor_NN`` folders) and files outside the selection are not speech of the selection
    rather than defects: they are left out without a warning and counted in ``df.attrs['not_selected']``.
    Everything else that cannot be used (a name that is not RAVDESS' code, an unknown or impossible code,
    a video modality, an actor in the wrong ``Actor_NN`` folder, a second file with the same name, an
    unreadable, empty or silent file) is left out with a warning and listed in ``df.attrs['skipped']``.
    """
    classes = _check_emotions(emotions)
    levels = _check_intensities(intensities)
    root, source = user_copy_root(root, "ravdess")
    if not root.is_dir():
        raise DatasetNotFoundError(_missing_message(root, "no such folder"))
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() == ".wav" and p.is_file())
    if not files:
        raise DatasetNotFoundError(_missing_message(root, "no .wav files below it"))

    wanted = {code for code, name in EMOTION_CODES.items() if CLASS_NAMES[name] in classes}
    wanted_levels = {code for code, name in INTENSITY_CODES.items() if name in levels}
    skipped: list[dict] = []
    not_selected = {"song": 0, "emotion": 0, "intensity": 0}
    candidates: list[tuple[Path, list[str]]] = []
    seen: dict[str, Path] = {}
    for path in files:
        fields_or_reason = parse_name(path)
        if isinstance(fields_or_reason, str):
            skipped.append(dict(path=str(path), reason=fields_or_reason))
            continue
        fields = fields_or_reason
        if path.stem in seen:
            skipped.append(dict(path=str(path), reason=f"a second file named {path.name} (first: {seen[path.stem]})"))
            continue
        seen[path.stem] = path
        if fields[1] == "02":
            not_selected["song"] += 1
        elif fields[2] not in wanted:
            not_selected["emotion"] += 1
        elif fields[3] not in wanted_levels:
            not_selected["intensity"] += 1
        else:
            candidates.append((path, fields))

    infos = probe_many([p for p, _ in candidates])
    rows: list[dict] = []
    for (path, (_, _, emotion, intensity, statement, repetition, actor)), info in zip(candidates, infos):
        if isinstance(info, Exception):
            skipped.append(dict(path=str(path), reason=info.problem))
            continue
        name = EMOTION_CODES[emotion]
        rows.append(
            dict(
                path=str(path),
                corpus="ravdess",
                speaker=actor,
                gender=GENDERS[int(actor) % 2],
                text=statement,
                emotion=CLASS_NAMES[name],
                duration_s=info.duration_s,
                sample_rate=info.sample_rate,
                channels=info.channels,
                utterance=path.stem,
                ravdess_emotion=name,
                intensity=INTENSITY_CODES[intensity],
                statement=statement,
                repetition=REPETITIONS[repetition],
                sentence=STATEMENTS[statement],
            )
        )
    df = make_manifest(rows, skipped, corpus="ravdess", classes=classes, root=root, source=source)
    for column, dtype in EXTRA_DTYPES.items():  # an empty selection still has every column
        if column not in df.columns:
            df[column] = pd.Series(dtype=dtype)

    layout = (
        "the official release's Actor_NN folders"
        if any(ACTOR_FOLDER.match(p.parent.name) for p in files)
        else "a flat folder of wav files (e.g. the shared 16 kHz subset)"
    )
    ravdess_names = [name for name in EMOTION_CODES.values() if CLASS_NAMES[name] in classes]
    expected = expected_files(ravdess_names, levels)
    found = set(seen)
    missing = sorted(expected - found)
    df.attrs.update(
        emotions=ravdess_names,
        intensities=list(levels),
        layout=layout,
        licence=LICENCE,
        citation=CITATION,
        not_selected=not_selected,
        missing=missing,
        description=(
            f"RAVDESS (Livingstone & Russo 2018), audio-only speech, {len(df)} utterances of "
            f"{df['speaker'].nunique()} actors; emotions {', '.join(ravdess_names)} (classes "
            f"{', '.join(classes)}); intensity {' and '.join(levels)}; read from {layout}; licence {LICENCE} "
            f"(attribution, non-commercial, share-alike): cite {CITATION}"
        ),
    )
    if "neutral" in classes and "normal" not in levels:
        warnings.warn(
            f"RAVDESS at {root}: the class 'neutral' has no utterances, RAVDESS recorded neutral at normal "
            "intensity only and intensities is ('strong',)",
            UserWarning,
            stacklevel=2,
        )
    if missing:
        warnings.warn(
            f"RAVDESS at {root} is incomplete for this selection: {len(missing)} of {len(expected)} speech "
            f"files are missing (e.g. {', '.join(missing[:3])}); listed in df.attrs['missing']",
            IncompleteCorpusWarning,
            stacklevel=2,
        )
    return df


def parse_name(path: Path) -> list[str] | str:
    """The seven code fields of a RAVDESS file name, or the reason the name cannot be used."""
    stem = path.stem
    fields = stem.split("-")
    example = "e.g. 03-01-05-01-02-01-12.wav"
    if len(fields) != 7:
        return f"name has {len(fields)} field(s), RAVDESS names have seven two-digit fields ({example})"
    if not NAME_PATTERN.match(stem):
        return f"name is not seven two-digit numbers separated by '-' ({example})"
    modality, channel, emotion, intensity, statement, repetition, actor = fields
    checks = [
        ("modality", modality, MODALITIES),
        ("vocal channel", channel, VOCAL_CHANNELS),
        ("emotion", emotion, EMOTION_CODES),
        ("intensity", intensity, INTENSITY_CODES),
        ("statement", statement, STATEMENTS),
        ("repetition", repetition, REPETITIONS),
        ("actor", actor, ACTORS),
    ]
    for what, code, known in checks:
        if code not in known:
            return f"unknown {what} code {code!r} (RAVDESS has {' '.join(known)})"
    if modality != "03":
        return (
            f"modality {modality} ({MODALITIES[modality]}) is a video file's code, but this is a .wav file: "
            "RAVDESS audio files have modality 03 (audio-only)"
        )
    if emotion == "01" and intensity == "02":
        return "neutral at strong intensity (02) does not exist: RAVDESS recorded neutral at normal intensity only"
    folder = ACTOR_FOLDER.match(path.parent.name)
    if folder is not None and folder["actor"] != actor:
        return f"actor {actor} in the name, but the file lies in {path.parent.name}"
    return fields


def expected_files(emotions: Iterable[str], intensities: Iterable[str]) -> set[str]:
    """The stems of the official speech release's files for the given RAVDESS emotions and intensities."""
    codes = {name: code for code, name in EMOTION_CODES.items()}
    levels = {name: code for code, name in INTENSITY_CODES.items()}
    out: set[str] = set()
    for name in emotions:
        for level in intensities:
            if name == "neutral" and level == "strong":
                continue
            for statement in STATEMENTS:
                for repetition in REPETITIONS:
                    for actor in ACTORS:
                        out.add(f"03-01-{codes[name]}-{levels[level]}-{statement}-{repetition}-{actor}")
    return out


def _check_emotions(emotions: str | Iterable[str]) -> list[str]:
    """Class names in this package's words, in the fixed order of ``ALL_CLASSES``."""
    if isinstance(emotions, str):
        emotions = ALL_CLASSES if emotions == "all" else [emotions]
    chosen: set[str] = set()
    for name in emotions:
        key = str(name).strip().lower()
        if key in CLASS_NAMES:
            chosen.add(CLASS_NAMES[key])
        elif key in ALL_CLASSES:
            chosen.add(key)
        else:
            raise UnknownLabelError(
                f"unknown RAVDESS emotion {name!r}: choose from {', '.join(ALL_CLASSES)} (or RAVDESS' "
                f"{', '.join(EMOTION_CODES.values())}), or 'all'"
            )
    if not chosen:
        raise UnknownLabelError(f"emotions is empty: choose from {', '.join(ALL_CLASSES)}, or 'all'")
    return [c for c in ALL_CLASSES if c in chosen]


def _check_intensities(intensities: str | Iterable[str]) -> tuple[str, ...]:
    if isinstance(intensities, str):
        intensities = INTENSITIES if intensities == "all" else [intensities]
    chosen = {str(i).strip().lower() for i in intensities}
    unknown = sorted(chosen - set(INTENSITIES))
    if unknown:
        raise ValueError(f"unknown RAVDESS intensity {', '.join(map(repr, unknown))}: choose normal, strong or all")
    if not chosen:
        raise ValueError("intensities is empty: choose normal, strong or both")
    return tuple(i for i in INTENSITIES if i in chosen)


def _missing_message(root: Path, reason: str) -> str:
    return (
        f"RAVDESS not found at {root} ({reason}): download {ARCHIVE} of the official release (Zenodo record "
        f"1188976, {URL}; licensed {LICENCE}, so sercnn never downloads it) and unzip it into {root} so that "
        f"it holds Actor_01 to Actor_24, or set {DATA_ENV} to a folder that holds ravdess/."
    )
