"""Berlin EmoDB (Burkhardt et al., Interspeech 2005): the paper's first corpus (section 3.5, Table 3, 5, 7, 8).

535 utterances, 10 actors (5 male, 5 female), 10 German sentences, 7 emotions. The file name codes
everything: ``03a01Fa.wav`` is speaker ``03``, text ``a01``, emotion ``F`` (Freude, happiness), version
``a``. Speaker sex and age come from the corpus documentation.

The corpus also carries the results of its perception test (``erkennung.txt``, explained in
``erklaerung.txt``): for every recorded utterance, the share of the listeners who recognised the intended
emotion and who judged it natural. :func:`load_perception` reads them, and :func:`load_emodb` adds them to
the manifest as ``recognition_pct`` and ``naturalness_pct``. The 535 utterances are the ones that passed
the selection in ``SELECTION``.

Notebook: ``book/01_data.ipynb``.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import warnings
import zipfile
from importlib import resources
from pathlib import Path, PurePosixPath

import pandas as pd

from ..errors import CorruptArchiveError, DatasetNotFoundError, IncompleteCorpusWarning, SkippedFilesWarning
from ..paths import DATA_ENV, data_home, env_set
from ._manifest import make_manifest, probe_many, warn_skipped

URL = "http://emodb.bilderbar.info/download/download.zip"

#: Emotion letter (German initial) -> English class name, in the order of the paper's Tables 3 and 5.
EMOTIONS = {
    "W": "anger",  # Ärger (Wut)
    "L": "boredom",  # Langeweile
    "E": "disgust",  # Ekel
    "A": "fear",  # Angst
    "F": "happiness",  # Freude
    "N": "neutral",
    "T": "sadness",  # Trauer
}
CLASSES = ["anger", "boredom", "disgust", "fear", "happiness", "neutral", "sadness"]

#: Speaker -> (sex, age), from the EmoDB documentation.
SPEAKERS = {
    "03": ("male", 31),
    "08": ("female", 34),
    "09": ("female", 21),
    "10": ("male", 32),
    "11": ("male", 26),
    "12": ("male", 30),
    "13": ("female", 32),
    "14": ("female", 35),
    "15": ("male", 25),
    "16": ("female", 31),
}

#: Text code -> the German sentence, from the EmoDB documentation.
SENTENCES = {
    "a01": "Der Lappen liegt auf dem Eisschrank.",
    "a02": "Das will sie am Mittwoch abgeben.",
    "a04": "Heute abend könnte ich es ihm sagen.",
    "a05": "Das schwarze Stück Papier befindet sich da oben neben dem Holzstück.",
    "a07": "In sieben Stunden wird es soweit sein.",
    "b01": "Was sind denn das für Tüten, die da unter dem Tisch stehen?",
    "b02": "Sie haben es gerade hochgetragen und jetzt gehen sie wieder runter.",
    "b03": "An den Wochenenden bin ich jetzt immer nach Hause gefahren und habe Agnes besucht.",
    "b09": "Ich will das eben wegbringen und dann mit Karl was trinken gehen.",
    "b10": "Die wird auf dem Platz sein, wo wir sie immer hinlegen.",
}

#: The perception test's results, in the corpus folder beside ``wav/``: the corpus' own file, distributed with
#: it (the shared copy's README); :func:`extract_archive` keeps an archive's top-level ``.txt`` files there.
#: ``erklaerung.txt`` calls it ``info.txt`` (and ``info.xls``); in the shared copy it is ``erkennung.txt``.
PERCEPTION_FILE = "erkennung.txt"

#: How the 535 utterances were selected from the recordings, in the words of the corpus' ``erklaerung.txt``,
#: followed by a translation. In the shared copy's ``erkennung.txt`` every one of the 535 has a recognition
#: rate of at least 80 %, but 42 have a naturalness rate below 60 %: the second condition does not hold for
#: the published rates.
SELECTION = (
    "Die Auswahl der Saetze erfolgt bei mind. 80% richtig erkannter Emotion (>=16 von 20 Hörern) und mind. "
    "60% der Beurteilungen als natuerlich (>=12 von 20). "
    "[The sentences were selected with at least 80 % correctly recognised emotion (at least 16 of 20 "
    "listeners) and at least 60 % of the judgements natural (at least 12 of 20).]"
)
#: The recognition rate an utterance needed to enter the corpus (``SELECTION``).
MIN_RECOGNITION_PCT = 80.0

NAME_PATTERN = re.compile(r"^(?P<speaker>\d\d)(?P<text>[ab]\d\d)(?P<letter>[A-Z])(?P<version>[a-z])\.wav$")

#: Largest uncompressed archive accepted (the real one unpacks to about 60 MB).
MAX_ARCHIVE_BYTES = 2 * 1024**3


def expected_files() -> list[str]:
    """The 535 wav names of the original corpus."""
    text = resources.files(__package__).joinpath("emodb_files.txt").read_text()
    return text.split()


def load_emodb(root: str | Path | None = None, *, download: bool = True) -> pd.DataFrame:
    """The EmoDB manifest: one row per usable utterance (see ``_manifest`` for the columns).

    ``root`` is a folder holding ``wav/`` (or the wav files themselves). Without it: ``$SERCNN_DATA/emodb``,
    else a per-user cache, downloading and verifying the official archive there when it is missing.
    Files that cannot be used are left out with a warning and listed in ``df.attrs['skipped']``.

    ``recognition_pct`` and ``naturalness_pct`` come from ``erkennung.txt`` beside ``wav/`` (see
    :func:`load_perception`); where the file is absent or unreadable, or lacks an utterance, they are NaN
    and ``df.attrs['perception']`` says why.
    """
    if root is not None:
        root = Path(root).expanduser()
        source = f"local copy at {root}"
        wav_dir = _find_wav_dir(root)
        if wav_dir is None:
            raise DatasetNotFoundError(_missing_message(root, reason="no EmoDB wav files there"))
    else:
        root = data_home() / "emodb"
        source = f"${DATA_ENV}/emodb ({root})" if env_set() else f"per-user cache ({root})"
        wav_dir = _find_wav_dir(root)
        if wav_dir is None:
            if not download:
                raise DatasetNotFoundError(_missing_message(root, reason="not there, download=False"))
            download_emodb(root)
            source = f"downloaded from {URL} to {root}"
            wav_dir = root / "wav"
    return _manifest(wav_dir, root=root, source=source)


def _find_wav_dir(root: Path) -> Path | None:
    for candidate in (root / "wav", root):
        if candidate.is_dir() and any(candidate.glob("*.wav")):
            return candidate
    return None


def _missing_message(root: Path, reason: str) -> str:
    return (
        f"EmoDB not found at {root} ({reason}): download {URL}, unzip it so that the .wav files are in "
        f"{root / 'wav'}, or set {DATA_ENV} to a folder that holds emodb/wav."
    )


def _manifest(wav_dir: Path, *, root: Path, source: str) -> pd.DataFrame:
    rows: list[dict] = []
    skipped: list[dict] = []
    candidates: list[tuple[Path, re.Match]] = []
    for path in sorted(wav_dir.iterdir()):
        if path.suffix.lower() != ".wav":
            continue
        match = NAME_PATTERN.match(path.name)
        if match is None:
            skipped.append(dict(path=str(path), reason="name does not follow EmoDB's pattern, e.g. 03a01Fa.wav"))
        elif match["letter"] not in EMOTIONS:
            skipped.append(
                dict(
                    path=str(path),
                    reason=f"unknown emotion letter {match['letter']!r} (EmoDB has {' '.join(EMOTIONS)})",
                )
            )
        elif match["speaker"] not in SPEAKERS:
            skipped.append(dict(path=str(path), reason=f"unknown speaker {match['speaker']!r}"))
        else:
            candidates.append((path, match))
    infos = probe_many([p for p, _ in candidates])
    for (path, match), info in zip(candidates, infos):
        if isinstance(info, Exception):
            skipped.append(dict(path=str(path), reason=info.problem))
            continue
        speaker = match["speaker"]
        sex, age = SPEAKERS[speaker]
        rows.append(
            dict(
                path=str(path),
                corpus="emodb",
                speaker=speaker,
                gender=sex,
                text=match["text"],
                emotion=EMOTIONS[match["letter"]],
                duration_s=info.duration_s,
                sample_rate=info.sample_rate,
                channels=info.channels,
                utterance=path.stem,
                version=match["version"],
                age=age,
                sentence=SENTENCES.get(match["text"], ""),
            )
        )
    df = make_manifest(rows, skipped, corpus="emodb", classes=CLASSES, root=root, source=source)
    _add_perception(df, root=root, wav_dir=wav_dir)
    found = {Path(p).name for p in df["path"]} | {Path(s["path"]).name for s in skipped}
    missing = sorted(set(expected_files()) - found)
    df.attrs["missing"] = missing
    if missing:
        warnings.warn(
            f"EmoDB at {wav_dir} is incomplete: {len(missing)} of {len(expected_files())} utterances are "
            f"missing (e.g. {', '.join(missing[:5])}); listed in df.attrs['missing']",
            IncompleteCorpusWarning,
            stacklevel=3,
        )
    return df


def _add_perception(df: pd.DataFrame, *, root: Path, wav_dir: Path) -> None:
    """Add ``recognition_pct`` and ``naturalness_pct`` to the manifest (NaN where unknown) and say in
    ``df.attrs['perception']`` where they came from (the file itself: ``df.attrs['perception_file']``)."""
    candidates = (root / PERCEPTION_FILE, wav_dir / PERCEPTION_FILE)
    path = next((p for p in candidates if p.is_file()), None)
    df["recognition_pct"] = float("nan")
    df["naturalness_pct"] = float("nan")
    df.attrs["perception_skipped"] = []
    if path is None:
        df.attrs["perception"] = (
            f"no {PERCEPTION_FILE} beside {wav_dir}: recognition_pct and naturalness_pct are NaN"
        )
        return
    try:
        perception = load_perception(path)
    except (DatasetNotFoundError, OSError) as exc:
        df.attrs["perception"] = f"{exc}: recognition_pct and naturalness_pct are NaN"
        warnings.warn(df.attrs["perception"], SkippedFilesWarning, stacklevel=3)
        return
    utterances = df["utterance"] if "utterance" in df.columns else pd.Series([], dtype="str")
    df["recognition_pct"] = utterances.map(perception["recognition_pct"]).astype("float64")
    df["naturalness_pct"] = utterances.map(perception["naturalness_pct"]).astype("float64")
    unmatched = sorted(set(utterances) - set(perception.index))
    note = f"from {path}: {len(df) - len(unmatched)} of {len(df)} utterances matched"
    if unmatched:
        note += f"; no rates for {', '.join(unmatched[:5])}{' ...' if len(unmatched) > 5 else ''} (NaN)"
    df.attrs["perception"] = note
    df.attrs["perception_file"] = str(path)
    df.attrs["perception_skipped"] = perception.attrs["skipped"]


def load_perception(root: str | Path | None = None) -> pd.DataFrame:
    """EmoDB's perception test: for each utterance, the share (%) of the listeners (about 20) who recognised
    the intended emotion, and of those who judged it natural.

    ``root`` is the EmoDB folder holding ``erkennung.txt`` (or the file itself); default
    ``$SERCNN_DATA/emodb``, else the per-user cache. The index is the utterance id (the wav stem,
    ``03a01Fa``); the columns are ``recognition_pct`` and ``naturalness_pct``. The file lists every recorded
    utterance, about 800, not only the 535 of the corpus. It is read whatever its encoding (the original is
    Latin-1 with non-breaking spaces as padding) and with decimal commas. A line that cannot be read (wrong
    number of fields, a name that is not EmoDB's, a rate that is not a number from 0 to 100, an utterance
    listed twice) is left out with a warning naming the file and the line, and listed in
    ``df.attrs['skipped']``.
    """
    if root is None:
        path = data_home() / "emodb" / PERCEPTION_FILE
    else:
        path = Path(root).expanduser()
        if path.is_dir():
            path = path / PERCEPTION_FILE
    if not path.is_file():
        raise DatasetNotFoundError(
            f"EmoDB's perception test not found at {path}: it is the corpus' {PERCEPTION_FILE}, which belongs "
            f"beside wav/ in the EmoDB folder ({URL})"
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # the original's encoding; never fails
    rows: dict[str, tuple[float, float]] = {}
    first_line: dict[str, int] = {}
    skipped: list[dict] = []
    header_seen = False
    for lineno, line in enumerate(text.splitlines(), start=1):
        tokens = line.replace("\xa0", " ").replace("\ufeff", " ").split()
        if not tokens:
            continue
        if not header_seen and not rows and not skipped and not tokens[0].rstrip(".").isdigit():
            header_seen = True  # "Nr.  Satz  erkannt  natuerlich"
            continue
        problem, parsed = _perception_line(tokens)
        if problem is None and parsed[0] in rows:
            problem = f"{parsed[0]} is listed twice (first on line {first_line[parsed[0]]})"
        if problem is not None:
            skipped.append(dict(path=str(path), line=lineno, reason=f"line {lineno}: {problem}: {line.strip()!r}"))
            continue
        utterance, recognition, naturalness = parsed
        rows[utterance] = (recognition, naturalness)
        first_line[utterance] = lineno
    df = pd.DataFrame.from_dict(rows, orient="index", columns=["recognition_pct", "naturalness_pct"], dtype="float64")
    df.index.name = "utterance"
    df.attrs.update(
        corpus="emodb",
        source=str(path),
        skipped=skipped,
        description=(
            "EmoDB's perception test (erkennung.txt): per utterance, the share (%) of about 20 listeners who "
            "recognised the intended emotion (recognition_pct) and who judged it natural (naturalness_pct)"
        ),
        selection=SELECTION,
    )
    if skipped:
        warn_skipped(f"{path}: {len(skipped)} line(s) could not be read and were left out",
                     [s["reason"] for s in skipped])
    return df


_PERCEPTION_NAME = re.compile(r"^(?P<utterance>\d\d[ab]\d\d[A-Z][a-z])(?:\.wav)?$")


def _perception_line(tokens: list[str]) -> tuple[str | None, tuple[str, float, float]]:
    """The problem with one line of ``erkennung.txt`` (None if sound) and its utterance and two rates."""
    empty = ("", float("nan"), float("nan"))
    if len(tokens) != 4:
        return f"{len(tokens)} field(s) instead of 4 (number, file name, recognised %, natural %)", empty
    number, name, recognition, naturalness = tokens
    if not number.rstrip(".").isdigit():
        return f"the line number {number!r} is not a number", empty
    match = _PERCEPTION_NAME.match(name)
    if match is None:
        return f"{name!r} is not an EmoDB file name (e.g. 03a01Fa.wav)", empty
    rates = []
    for what, value in (("recognition", recognition), ("naturalness", naturalness)):
        try:
            rate = float(value.replace(",", "."))
        except ValueError:
            return f"the {what} rate {value!r} is not a number", empty
        if not 0.0 <= rate <= 100.0:  # also refuses NaN
            return f"the {what} rate {value!r} is not a percentage from 0 to 100", empty
        rates.append(rate)
    return None, (match["utterance"], rates[0], rates[1])


def download_emodb(root: str | Path) -> Path:
    """Download the official archive with pooch, verify it and extract it safely into ``root``."""
    import pooch

    root = Path(root)
    try:
        root.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatasetNotFoundError(_missing_message(root, reason=f"cannot create its folder: {exc}")) from exc
    try:
        archive = Path(
            pooch.retrieve(URL, known_hash=None, fname="emodb-download.zip", path=root.parent, progressbar=True)
        )
    except Exception as exc:
        raise DatasetNotFoundError(
            _missing_message(root, reason=f"the download failed: {type(exc).__name__}: {exc}")
        ) from exc
    try:
        extract_archive(archive, root)
    except CorruptArchiveError:
        # Keep the bad download for inspection but out of pooch's way, so that the next call fetches anew.
        archive.replace(archive.with_suffix(".zip.corrupt"))
        raise
    return root


def extract_archive(archive: str | Path, root: str | Path) -> Path:
    """Check an EmoDB zip archive and extract it into ``root``; nothing is written unless all of it is sound.

    Refused, with :class:`CorruptArchiveError` naming the archive and the problem: a file that is not a zip
    or is truncated, a member whose path is absolute, climbs out with ``..`` or is a link, an archive that
    unpacks to more than ``MAX_ARCHIVE_BYTES``, a bad checksum, and a set of wav files other than the 535
    expected ones.
    """
    archive, root = Path(archive), Path(root)
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise CorruptArchiveError(f"{archive}: not a readable zip archive, truncated or damaged ({exc})") from exc
    with zf:
        members = zf.infolist()
        total = 0
        for info in members:
            _check_member(archive, info)
            total += info.file_size
        if total > MAX_ARCHIVE_BYTES:
            raise CorruptArchiveError(f"{archive}: unpacks to {total} bytes, more than EmoDB could hold")
        wavs = {
            PurePosixPath(i.filename).name: i
            for i in members
            if PurePosixPath(i.filename).suffix == ".wav" and PurePosixPath(i.filename).parent.name == "wav"
        }
        expected = set(expected_files())
        missing = sorted(expected - set(wavs))
        if missing:
            raise CorruptArchiveError(
                f"{archive}: incomplete, {len(missing)} of {len(expected)} EmoDB wav files are missing "
                f"(e.g. {', '.join(missing[:5])})"
            )
        root.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".emodb-extract-", dir=root.parent))
        try:
            (staging / "wav").mkdir()
            for name in sorted(expected):
                _copy_member(zf, archive, wavs[name], staging / "wav" / name)
            for info in members:
                name = PurePosixPath(info.filename)
                if name.suffix == ".txt" and len(name.parts) <= 2 and not info.is_dir():
                    _copy_member(zf, archive, info, staging / name.name)
            if root.exists():
                _merge(staging, root)
            else:
                staging.replace(root)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return root


def _check_member(archive: Path, info: zipfile.ZipInfo) -> None:
    name = info.filename
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts:
        raise CorruptArchiveError(f"{archive}: member {name!r} would be written outside the target folder")
    mode = info.external_attr >> 16
    if (mode & 0o170000) == 0o120000:
        raise CorruptArchiveError(f"{archive}: member {name!r} is a symbolic link")


def _copy_member(zf: zipfile.ZipFile, archive: Path, info: zipfile.ZipInfo, target: Path) -> None:
    try:
        with zf.open(info) as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise CorruptArchiveError(f"{archive}: member {info.filename!r} is damaged ({exc})") from exc


def _merge(staging: Path, root: Path) -> None:
    """Move the extracted files into an existing ``root`` (and its ``wav/``) without touching what else
    it holds."""
    for item in staging.rglob("*"):
        if item.is_file():
            target = root / item.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                item.replace(target)
