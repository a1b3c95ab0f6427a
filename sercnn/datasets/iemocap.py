"""IEMOCAP (Busso et al., Lang. Resour. Eval. 2008): the paper's second corpus (section 3.5, Tables 4, 6, 7, 9).

Five sessions, each a pair of actors (one female, one male) in dyadic dialogues that are either improvised
or scripted. Every utterance has a consensus label in ``Session{n}/dialog/EmoEvaluation/<dialogue>.txt``
and its audio in ``Session{n}/sentences/wav/<dialogue>/<utterance>.wav`` (16 kHz mono). IEMOCAP is
licensed: this module reads the user's own copy and downloads nothing.

The paper's selection (section 3.5): the *prototypical* utterances, those with "complete agreement on the
affective state from evaluators", of the *improvised* dialogues, 1150 in all (per emotion:
:data:`sercnn.paper.IEMOCAP_COUNTS`), of which only angry, excited, frustrated, happy, neutral and sad are
used (1144 utterances; the rows of Tables 4 and 6 are percentages of exactly these counts, e.g. 1.41 % = 1/71
angry: a check for a real copy).

``agreement="all"`` implements "complete agreement" as: the utterance's consensus code is one of the
selected classes and *every* categorical evaluator line (``C-*``) of the utterance lists that label among
its labels (evaluators may give several, ``Neutral; Frustration;``); an utterance without any ``C-*`` line
is left out with a reason. By default the actors' self-evaluations (``C-F1``, ``C-M1``) count as evaluators too;
``include_self_evaluations=False`` restricts the rule to the external evaluators (``C-E1`` ..), the ones
IEMOCAP's consensus label is drawn from. The paper does not say which of the two it used.

The utterance id codes the speaker: ``Ses01F_impro01_M003`` is spoken by the male actor of session 1,
speaker ``Ses01M`` (the ``F`` in the dialogue name says who wore the motion-capture markers).

Notebook: ``book/01_data.ipynb``.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import DatasetNotFoundError, IncompleteCorpusWarning, UnknownLabelError
from ._manifest import make_manifest, probe_many, user_copy_root

URL = "https://sail.usc.edu/iemocap/"

#: IEMOCAP's consensus code -> class name. ``xxx`` (no majority) has no class.
CODES = {
    "ang": "angry",
    "exc": "excited",
    "fru": "frustrated",
    "hap": "happy",
    "neu": "neutral",
    "sad": "sad",
    "sur": "surprised",
    "fea": "fearful",
    "dis": "disgusted",
    "oth": "other",
    "xxx": None,
}

#: The paper's six classes, in the order of its Table 4.
CLASSES = ["angry", "excited", "frustrated", "happy", "neutral", "sad"]

#: Every class that ``classes`` may name ("other" and ``xxx`` are never an emotion class).
ALL_CLASSES = [*CLASSES, "surprised", "fearful", "disgusted"]

#: An evaluator's label (lower case) -> the consensus code.
EVALUATOR_LABELS = {
    "anger": "ang",
    "excited": "exc",
    "frustration": "fru",
    "happiness": "hap",
    "neutral": "neu",
    "neutral state": "neu",  # the spelling of the per-evaluator files in EmoEvaluation/Categorical
    "sadness": "sad",
    "surprise": "sur",
    "fear": "fea",
    "disgust": "dis",
    "other": "oth",
}

AGREEMENTS = ("all", "majority")

LABEL_FILE_PATTERN = re.compile(r"^Ses0[1-5][FM]_(impro|script)[0-9A-Za-z_]*\.txt$")
UTTERANCE_PATTERN = re.compile(
    r"^(?P<dialogue>Ses(?P<session>\d\d)[FM]_(?:impro|script)[0-9A-Za-z_]*?)_(?P<gender>[FM])\d+$"
)
_NUMBER = r"[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?"
HEADER_PATTERN = re.compile(
    rf"^\[\s*(?P<start>{_NUMBER})\s*-\s*(?P<end>{_NUMBER})\s*\]\s+(?P<utterance>\S+)\s+(?P<code>\S+)\s+"
    rf"\[\s*(?P<v>{_NUMBER})\s*,\s*(?P<a>{_NUMBER})\s*,\s*(?P<d>{_NUMBER})\s*\]\s*$"
)
EVALUATOR_PATTERN = re.compile(r"^C-(?P<who>[A-Za-z]+\d*)\s*:(?P<labels>[^(]*)(?:\(.*\))?\s*$")
GENDERS = {"F": "female", "M": "male"}


def load_iemocap(
    root: str | Path | None = None,
    *,
    improvised_only: bool = True,
    agreement: str = "all",
    classes: list[str] | tuple[str, ...] = tuple(CLASSES),
    include_self_evaluations: bool = True,
) -> pd.DataFrame:
    """The IEMOCAP manifest: one row per selected, usable utterance (see ``_manifest`` for the columns).

    ``root`` holds ``Session1`` .. ``Session5`` (or is the folder above ``IEMOCAP_full_release``); without
    it, ``$SERCNN_DATA/iemocap`` or the per-user cache's ``iemocap`` folder. ``improvised_only`` keeps the
    improvised dialogues only; ``agreement`` is ``"all"`` (every categorical evaluator lists the consensus
    label, see the module docstring) or ``"majority"`` (IEMOCAP's own consensus label); ``classes`` picks
    and orders the classes (from ``ALL_CLASSES``). Extra columns: ``utterance, session, dialogue, start_s,
    end_s, valence, arousal, dominance, consensus``. Utterances that cannot be used (a label line that
    cannot be parsed, an unknown label, a missing or unusable wav) are left out with a warning and listed
    in ``df.attrs['skipped']``.
    """
    classes = _check_classes(classes)
    if agreement not in AGREEMENTS:
        raise ValueError(f"agreement must be one of {', '.join(map(repr, AGREEMENTS))}, not {agreement!r}")
    root, source = user_copy_root(root, "iemocap")
    base = _find_base(root)
    if base is None:
        raise DatasetNotFoundError(_missing_message(root))
    sessions = {n: base / f"Session{n}" for n in range(1, 6) if (base / f"Session{n}").is_dir()}

    wanted_codes = {code for code, name in CODES.items() if name in classes}
    skipped: list[dict] = []
    selected: list[_Utterance] = []
    seen: dict[str, Path] = {}
    for n, session_dir in sessions.items():
        eval_dir = session_dir / "dialog" / "EmoEvaluation"
        label_files = sorted(p for p in eval_dir.glob("*.txt") if LABEL_FILE_PATTERN.match(p.name))
        if not label_files:
            skipped.append(
                dict(path=str(eval_dir), reason="no label files (Ses0*_impro*.txt, Ses0*_script*.txt) there")
            )
            continue
        for label_file in label_files:
            if improvised_only and "_impro" not in label_file.stem:
                continue
            utterances, problems = parse_label_file(label_file)
            skipped.extend(problems)
            for utt in utterances:
                reason = _check_utterance(utt, session=n, seen=seen)
                if reason is not None:
                    skipped.append(dict(path=str(label_file), reason=f"line {utt.line}: {reason}"))
                    continue
                seen[utt.utterance] = label_file
                if utt.code not in wanted_codes:
                    continue
                if agreement == "all":
                    evaluators = [
                        labels
                        for who, labels in utt.evaluators
                        if include_self_evaluations or who.startswith("E")
                    ]
                    if not evaluators:
                        skipped.append(
                            dict(
                                path=str(label_file),
                                reason=f"line {utt.line}: {utt.utterance} has no categorical evaluator "
                                "lines (C-E1: ...), so its agreement cannot be checked",
                            )
                        )
                        continue
                    if not all(utt.code in labels for labels in evaluators):
                        continue
                selected.append(utt)

    candidates: list[tuple[_Utterance, Path]] = []
    for utt in selected:
        wav = base / f"Session{utt.session}" / "sentences" / "wav" / utt.dialogue / f"{utt.utterance}.wav"
        if wav.is_file():
            candidates.append((utt, wav))
        else:
            skipped.append(
                dict(path=str(wav), reason=f"missing: {utt.utterance} is listed in {utt.label_file} but has no wav")
            )
    infos = probe_many([wav for _, wav in candidates])
    rows: list[dict] = []
    for (utt, wav), info in zip(candidates, infos):
        if isinstance(info, Exception):
            skipped.append(dict(path=str(wav), reason=info.problem))
            continue
        rows.append(
            dict(
                path=str(wav),
                corpus="iemocap",
                speaker=utt.speaker,
                gender=GENDERS[utt.gender],
                text=utt.dialogue,
                emotion=CODES[utt.code],
                duration_s=info.duration_s,
                sample_rate=info.sample_rate,
                channels=info.channels,
                utterance=utt.utterance,
                session=utt.session,
                dialogue=utt.dialogue,
                start_s=utt.start_s,
                end_s=utt.end_s,
                valence=utt.valence,
                arousal=utt.arousal,
                dominance=utt.dominance,
                consensus=utt.code,
            )
        )
    df = make_manifest(rows, skipped, corpus="iemocap", classes=classes, root=root, source=source)
    for column, dtype in EXTRA_DTYPES.items():  # an empty selection still has every column
        if column not in df.columns:
            df[column] = pd.Series(dtype=dtype)
    df.attrs.update(
        improvised_only=improvised_only,
        agreement=agreement,
        include_self_evaluations=include_self_evaluations,
    )
    missing = [f"Session{n}" for n in range(1, 6) if n not in sessions]
    df.attrs["missing"] = missing
    if missing:
        warnings.warn(
            f"IEMOCAP at {base} is incomplete: {', '.join(missing)} missing (listed in df.attrs['missing']); "
            "the paper's counts are for all five sessions",
            IncompleteCorpusWarning,
            stacklevel=2,
        )
    return df


EXTRA_DTYPES = {
    "utterance": "str",
    "session": "int64",
    "dialogue": "str",
    "start_s": "float64",
    "end_s": "float64",
    "valence": "float64",
    "arousal": "float64",
    "dominance": "float64",
    "consensus": "str",
}


@dataclass
class _Utterance:
    """One utterance block of a label file."""

    label_file: Path
    line: int
    utterance: str
    code: str
    start_s: float
    end_s: float
    valence: float
    arousal: float
    dominance: float
    evaluators: list[tuple[str, set[str]]] = field(default_factory=list)
    dialogue: str = ""
    session: int = 0
    gender: str = ""

    @property
    def speaker(self) -> str:
        return f"Ses{self.session:02d}{self.gender}"


def parse_label_file(path: Path) -> tuple[list[_Utterance], list[dict]]:
    """Parse one ``EmoEvaluation/<dialogue>.txt``: its utterances, and skipped entries for what is broken.

    An utterance whose header or categorical evaluator line cannot be parsed, or that uses a label
    IEMOCAP does not have, is left out with a reason naming the file and the line.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [dict(path=str(path), reason=f"cannot read the label file ({exc})")]
    utterances: list[_Utterance] = []
    problems: list[dict] = []
    current: _Utterance | None = None
    broken = False  # the current block has a problem: drop it and the rest of its lines

    def close() -> None:
        if current is not None and not broken:
            utterances.append(current)

    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("%"):
            continue
        if line.startswith("["):
            close()
            current, broken = None, False
            match = HEADER_PATTERN.match(line)
            if match is None:
                problems.append(
                    dict(
                        path=str(path),
                        reason=f"line {lineno}: cannot parse the utterance line {line!r} "
                        "(expected '[START - END]<tab>UTTERANCE<tab>CODE<tab>[V, A, D]'); utterance skipped",
                    )
                )
                broken = True
                continue
            current = _Utterance(
                label_file=path,
                line=lineno,
                utterance=match["utterance"],
                code=match["code"],
                start_s=float(match["start"]),
                end_s=float(match["end"]),
                valence=float(match["v"]),
                arousal=float(match["a"]),
                dominance=float(match["d"]),
            )
            if match["code"] not in CODES:
                problems.append(
                    dict(
                        path=str(path),
                        reason=f"line {lineno}: {match['utterance']} has the unknown consensus label "
                        f"{match['code']!r} (IEMOCAP has {' '.join(CODES)}); utterance skipped",
                    )
                )
                broken = True
            continue
        if current is None:
            if not broken:
                problems.append(
                    dict(path=str(path), reason=f"line {lineno}: {line!r} does not belong to any utterance")
                )
            continue
        if broken or line.startswith("A-"):
            continue
        if line.startswith("C-"):
            match = EVALUATOR_PATTERN.match(line)
            labels = [s.strip() for s in match["labels"].split(";") if s.strip()] if match else []
            if match is None or not labels:
                problems.append(
                    dict(
                        path=str(path),
                        reason=f"line {lineno}: cannot parse the evaluator line {line!r} of {current.utterance} "
                        "(expected 'C-E1:<tab>Label; ...;<tab>(comment)'); utterance skipped",
                    )
                )
                broken = True
                continue
            codes: set[str] = set()
            for label in labels:
                code = _evaluator_code(label)
                if code is None:
                    problems.append(
                        dict(
                            path=str(path),
                            reason=f"line {lineno}: unknown evaluator label {label!r} for {current.utterance} "
                            f"(IEMOCAP has {', '.join(sorted({k.title() for k in EVALUATOR_LABELS}))}); "
                            "utterance skipped",
                        )
                    )
                    broken = True
                    break
                codes.add(code)
            if not broken:
                current.evaluators.append((match["who"], codes))
            continue
        problems.append(
            dict(
                path=str(path),
                reason=f"line {lineno}: cannot parse {line!r} in the block of {current.utterance}; utterance skipped",
            )
        )
        broken = True
    close()
    return utterances, problems


def _evaluator_code(label: str) -> str | None:
    key = " ".join(label.lower().split())
    if key in EVALUATOR_LABELS:
        return EVALUATOR_LABELS[key]
    if key.startswith("other"):  # "Other: curious" and the like
        return "oth"
    return None


def _check_utterance(utt: _Utterance, *, session: int, seen: dict[str, Path]) -> str | None:
    """Fill in dialogue, session and gender from the id; the reason it cannot be used, or None."""
    match = UTTERANCE_PATTERN.match(utt.utterance)
    if match is None:
        return f"utterance id {utt.utterance!r} does not follow IEMOCAP's pattern, e.g. Ses01F_impro01_M003"
    utt.dialogue = match["dialogue"]
    utt.session = int(match["session"])
    utt.gender = match["gender"]
    if utt.session != session:
        return f"utterance {utt.utterance} belongs to session {utt.session}, not to Session{session}"
    if utt.utterance in seen:
        return f"utterance {utt.utterance} is listed twice (also in {seen[utt.utterance]})"
    return None


def _check_classes(classes: list[str] | tuple[str, ...]) -> list[str]:
    if isinstance(classes, str):
        raise UnknownLabelError(f"classes must be a list of class names, not the string {classes!r}")
    classes = list(classes)
    unknown = [c for c in classes if c not in ALL_CLASSES]
    if unknown:
        raise UnknownLabelError(
            f"unknown IEMOCAP class(es) {', '.join(map(repr, unknown))}: choose from {', '.join(ALL_CLASSES)}"
        )
    if not classes:
        raise UnknownLabelError(f"classes is empty: choose from {', '.join(ALL_CLASSES)}")
    doubles = sorted({c for c in classes if classes.count(c) > 1})
    if doubles:
        raise UnknownLabelError(f"classes names {', '.join(map(repr, doubles))} more than once")
    return classes


def _find_base(root: Path) -> Path | None:
    """The folder that holds ``Session1`` .. ``Session5``: ``root`` or ``root/IEMOCAP_full_release``."""
    for candidate in (root, root / "IEMOCAP_full_release"):
        if any((candidate / f"Session{n}").is_dir() for n in range(1, 6)):
            return candidate
    return None


def _missing_message(root: Path) -> str:
    what = "does not exist" if not root.exists() else "holds no Session1 .. Session5 folders"
    return (
        f"IEMOCAP not found: {root} {what}; IEMOCAP is licensed (request it at {URL}), so point root at your "
        "copy's IEMOCAP_full_release folder, the one that holds Session1 to Session5."
    )
