"""A small labelled corpus that sercnn synthesises, so that every notebook and test runs without real speech.

It is **not speech**: each utterance is a voice-like stand-in, a glottal pulse train (a sum of harmonics
of F0 with a falling spectral tilt) shaped by four formant resonances (2-pole filters, one vowel per
syllable), cut into syllables by an amplitude envelope, with consonant noise bursts and a little noise.
The seven classes are EmoDB's, in EmoDB's order, and their acoustics follow textbook tendencies of
emotional speech (Scherer 2003; Murray & Arnott 1993), see ``PROFILES``: anger loud, high and rising F0,
fast, strong high harmonics; sadness quiet, low flat F0, slow, dark; boredom low and monotone; fear high
and jittery F0 with tremor; happiness high with wide F0 excursions; disgust low with irregular pauses
and creak; neutral in the middle. Speakers alternate male / female (``s01`` male, ``s02`` female, ...)
and each has its own F0, formant scale and habits, and every utterance varies at random (seeded), so
speaker-independent splits mean something and the classes overlap a little.

The files are 16-bit mono wav files, so the same path-based pipeline runs as for EmoDB and IEMOCAP.
Every manifest says ``corpus == "synthetic"`` and ``df.attrs['source']`` starts with
"synthesised by sercnn (not speech)".

Notebook: ``book/01_data.ipynb``.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf
from scipy.signal import lfilter

from ..paths import data_home
from ._manifest import make_manifest
from .emodb import CLASSES

#: Bumped whenever the signals change, so that a cached corpus made by an older generator is not reused.
GENERATOR_VERSION = 1

#: The file, next to ``wav/``, that records the parameters a corpus was made with.
PARAMS_FILE = "params.json"

#: Number of utterance templates (EmoDB has 10 sentences): text ids ``syn01`` .. ``syn10``.
N_TEMPLATES = 10

#: Male and female base F0 ranges (Hz) and formant scales that speakers are drawn from.
F0_RANGE = {"male": (90.0, 140.0), "female": (170.0, 250.0)}
FORMANT_SCALE = {"male": 1.0, "female": 1.16}

#: Vowel formants F1-F4 (Hz) of an adult male voice (Peterson & Barney 1952, rounded); bandwidths (Hz).
VOWELS = np.array(
    [
        [730, 1090, 2440, 3400],  # a
        [530, 1840, 2480, 3500],  # e
        [270, 2290, 3010, 3600],  # i
        [570, 840, 2410, 3300],  # o
        [300, 870, 2240, 3300],  # u
    ],
    dtype=float,
)
BANDWIDTHS = np.array([80.0, 100.0, 150.0, 220.0])


@dataclass(frozen=True)
class Profile:
    """How one emotion shapes an utterance (relative to the speaker's own voice)."""

    f0: float  # F0 multiplier of the speaker's base F0
    excursion: float  # F0 excursions (semitones) of the slow intonation contour
    slope: float  # F0 change from start to end (semitones): > 0 rising
    accent: float  # F0 rise on stressed syllables (semitones)
    jitter: float  # random F0 wobble (semitones)
    tremor: float  # depth (semitones) of a 6-8 Hz tremor
    rate: float  # syllables per second
    level_db: float  # peak level (dB re full scale)
    open_quotient: float  # glottal open quotient: small = pressed, bright; large = lax, dark
    tilt: float  # extra spectral tilt, b = [1, -tilt]: > 0 brighter, < 0 darker
    breath: float  # aspiration noise relative to the voiced source
    pause: float  # chance of a pause after a syllable
    creak: float  # share of syllables in creaky voice (F0 halved, alternate pulses weak)
    formant: float  # formant shift (spread lips, tense vocal tract: > 1)


#: Class -> acoustic profile, after the tendencies summarised by Scherer (2003), Table 6.
PROFILES = {
    "anger": Profile(1.30, 3.0, 2.5, 2.5, 0.10, 0.0, 5.4, -1.0, 0.42, 0.55, 0.05, 0.05, 0.00, 1.06),
    "boredom": Profile(0.90, 0.8, -1.0, 0.5, 0.08, 0.0, 3.3, -10.0, 0.70, -0.10, 0.12, 0.10, 0.05, 0.97),
    "disgust": Profile(0.88, 2.0, -2.0, 1.5, 0.25, 0.0, 3.4, -7.0, 0.60, 0.05, 0.15, 0.30, 0.35, 0.98),
    "fear": Profile(1.35, 2.0, 1.0, 1.5, 0.60, 0.8, 5.0, -5.0, 0.55, 0.15, 0.30, 0.12, 0.00, 1.03),
    "happiness": Profile(1.25, 5.5, 0.5, 4.0, 0.12, 0.0, 4.6, -3.0, 0.50, 0.35, 0.10, 0.06, 0.00, 1.05),
    "neutral": Profile(1.00, 1.8, -1.5, 1.5, 0.08, 0.0, 4.1, -6.0, 0.60, 0.15, 0.08, 0.08, 0.03, 1.00),
    "sadness": Profile(0.86, 0.6, -2.0, 0.3, 0.15, 0.0, 2.8, -13.0, 0.75, -0.35, 0.25, 0.15, 0.05, 0.95),
}


@dataclass(frozen=True)
class Speaker:
    """One synthetic speaker's voice."""

    id: str
    gender: str
    f0: float  # base F0 (Hz)
    formant: float  # formant scale (vocal tract length)
    tilt: float  # own brightness, added to the class tilt
    rate: float  # own speaking-rate factor
    level_db: float  # own loudness offset (dB)


def load_synthetic(
    root: str | Path | None = None,
    *,
    n_speakers: int = 10,
    per_class: int = 4,
    seconds: float = 2.0,
    sample_rate: int = 16000,
    seed: int = 0,
) -> pd.DataFrame:
    """The synthetic manifest: ``n_speakers * 7 * per_class`` utterances of ``seconds`` s each.

    The wav files go to ``root/wav`` (default ``data_home()/synthetic/<key of the parameters>``) and are
    reused when ``root/params.json`` says they were made with the same parameters; otherwise they are
    written to a temporary folder next to ``root`` and moved into place once all of them are written.
    A non-empty ``root`` that is not such a corpus is refused (``FileExistsError``), never overwritten.
    Deterministic: the same arguments give the same files, bit for bit, and each utterance depends only on
    ``seed``, its speaker, class and take, so a smaller corpus is a subset of a larger one.
    Raises ``ValueError`` on bad arguments (``n_speakers < 2``, ``per_class < 1``, ``seconds <= 0``).
    """
    params = _check_params(n_speakers, per_class, seconds, sample_rate, seed)
    if root is None:
        root = data_home() / "synthetic" / _key(params)
    root = Path(root).expanduser()
    plan = _plan(params)
    if not _is_complete(root, params, plan):
        _generate(root, params, plan)
    rows = [
        dict(
            path=str(root / "wav" / p["name"]),
            corpus="synthetic",
            speaker=p["speaker"].id,
            gender=p["speaker"].gender,
            text=p["text"],
            emotion=p["emotion"],
            duration_s=params["frames"] / params["sample_rate"],
            sample_rate=params["sample_rate"],
            channels=1,
            utterance=Path(p["name"]).stem,
            take=p["take"] + 1,
        )
        for p in plan
    ]
    source = (
        "synthesised by sercnn (not speech): "
        f"{n_speakers} speakers x {len(CLASSES)} classes x {per_class} = {len(plan)} utterances of "
        f"{params['seconds']:g} s at {params['sample_rate']} Hz, seed {params['seed']}, "
        f"generator v{GENERATOR_VERSION}, in {root}"
    )
    return make_manifest(rows, [], corpus="synthetic", classes=CLASSES, root=root, source=source)


def _check_params(n_speakers: int, per_class: int, seconds: float, sample_rate: int, seed: int) -> dict:
    def is_int(x: object) -> bool:
        return isinstance(x, (int, np.integer)) and not isinstance(x, bool)

    if not is_int(n_speakers) or n_speakers < 2:
        raise ValueError(
            f"n_speakers must be an integer >= 2 (a speaker-independent split needs two), got {n_speakers!r}"
        )
    if not is_int(per_class) or per_class < 1:
        raise ValueError(f"per_class must be an integer >= 1, got {per_class!r}")
    if not isinstance(seconds, (int, float, np.number)) or isinstance(seconds, bool) or not seconds > 0:
        raise ValueError(f"seconds must be a number > 0 (the length of every utterance), got {seconds!r}")
    if not np.isfinite(seconds):
        raise ValueError(f"seconds must be finite, got {seconds!r}")
    if not is_int(sample_rate) or sample_rate < 8000:
        raise ValueError(f"sample_rate must be an integer >= 8000 (Hz), got {sample_rate!r}")
    if not is_int(seed) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    frames = int(round(float(seconds) * int(sample_rate)))
    if frames < 1:
        raise ValueError(f"seconds={seconds!r} is shorter than one sample at {sample_rate} Hz")
    return dict(
        generator="sercnn.datasets.synthetic",
        version=GENERATOR_VERSION,
        n_speakers=int(n_speakers),
        per_class=int(per_class),
        seconds=float(seconds),
        sample_rate=int(sample_rate),
        seed=int(seed),
        frames=frames,
    )


def _key(params: dict) -> str:
    """A short folder name that holds every parameter, e.g. ``v1-spk10-per4-2.0s-16000hz-seed0``."""
    return (
        f"v{params['version']}-spk{params['n_speakers']}-per{params['per_class']}-"
        f"{params['seconds']!r}s-{params['sample_rate']}hz-seed{params['seed']}"
    )


def speakers(n_speakers: int, seed: int = 0) -> list[Speaker]:
    """The speakers ``s01``, ``s02``, ...: odd numbers male, even numbers female, each with its own voice."""
    out = []
    for i in range(n_speakers):
        rng = np.random.default_rng([seed, 1, i])
        gender = "male" if i % 2 == 0 else "female"
        lo, hi = F0_RANGE[gender]
        out.append(
            Speaker(
                id=f"s{i + 1:02d}",
                gender=gender,
                f0=float(rng.uniform(lo, hi)),
                formant=FORMANT_SCALE[gender] * float(rng.uniform(0.93, 1.07)),
                tilt=float(rng.uniform(-0.2, 0.2)),
                rate=float(rng.uniform(0.85, 1.15)),
                level_db=float(rng.uniform(-2.0, 2.0)),
            )
        )
    return out


def _plan(params: dict) -> list[dict]:
    """One entry per utterance: speaker, emotion, take, template and file name, in a fixed order."""
    plan = []
    for s, speaker in enumerate(speakers(params["n_speakers"], params["seed"])):
        for c, emotion in enumerate(CLASSES):
            for take in range(params["per_class"]):
                template = (take * 3 + s + c) % N_TEMPLATES
                text = f"syn{template + 1:02d}"
                plan.append(
                    dict(
                        speaker=speaker,
                        emotion=emotion,
                        class_index=c,
                        take=take,
                        template=template,
                        text=text,
                        name=f"{speaker.id}_{text}_{emotion}_{take + 1:02d}.wav",
                        seed=[params["seed"], 2, s, c, take],
                    )
                )
    return plan


def _is_complete(root: Path, params: dict, plan: list[dict]) -> bool:
    """True when ``root`` holds a finished corpus made with ``params``: every file there, none truncated."""
    try:
        stored = json.loads((root / PARAMS_FILE).read_text())
    except (OSError, ValueError):
        return False
    if not isinstance(stored, dict):
        return False
    sizes = stored.pop("bytes", None)
    if stored != params or not isinstance(sizes, dict):
        return False
    wav = root / "wav"
    try:
        return all((wav / p["name"]).stat().st_size == sizes.get(p["name"]) for p in plan)
    except OSError:
        return False


def _generate(root: Path, params: dict, plan: list[dict]) -> None:
    """Write every file into a temporary folder next to ``root``, then move it into place in one rename."""
    if root.exists() and any(root.iterdir()) and not (root / PARAMS_FILE).exists():
        raise FileExistsError(
            f"{root} holds files but no {PARAMS_FILE}, so it is not a synthetic corpus made by sercnn; "
            "refusing to overwrite it: pass another root (or an empty folder)"
        )
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".synthetic-", dir=root.parent))
    try:
        wav = staging / "wav"
        wav.mkdir()
        sizes = {}
        sr, frames = params["sample_rate"], params["frames"]
        for p in plan:
            y = synthesise(p["speaker"], p["emotion"], p["template"], frames, sr, p["seed"])
            buffer = io.BytesIO()  # not sf.write(path): libsndfile would fsync every file, 3 ms each
            sf.write(buffer, y, sr, format="WAV", subtype="PCM_16")
            sizes[p["name"]] = (wav / p["name"]).write_bytes(buffer.getvalue())
        # Written last: a folder with params.json is a finished corpus.
        (staging / PARAMS_FILE).write_text(json.dumps({**params, "bytes": sizes}, indent=1) + "\n")
        _move_into_place(staging, root, params, plan)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _move_into_place(staging: Path, root: Path, params: dict, plan: list[dict]) -> None:
    if _is_complete(root, params, plan):  # another process finished the same corpus meanwhile
        return
    if root.exists():
        if not any(root.iterdir()):
            root.rmdir()
        else:  # an older or damaged synthetic corpus: move it aside, then delete it
            old = Path(tempfile.mkdtemp(prefix=".synthetic-old-", dir=root.parent))
            try:
                root.replace(old / "corpus")
            finally:
                shutil.rmtree(old, ignore_errors=True)
    try:
        os.replace(staging, root)
    except OSError:
        if not _is_complete(root, params, plan):  # lost a race to an identical corpus: fine
            raise


def synthesise(
    speaker: Speaker, emotion: str, template: int, frames: int, sample_rate: int, seed: int | list[int]
) -> np.ndarray:
    """One utterance as float32 samples in [-0.9, 0.9]: ``speaker`` saying template ``template`` in ``emotion``."""
    prof = PROFILES[emotion]
    rng = np.random.default_rng(seed)
    sr = float(sample_rate)
    n = frames
    t_total = n / sr

    def vary(x: float, spread: float) -> float:  # multiplicative, log-normal variation
        return x * float(np.exp(rng.normal(0.0, spread)))

    # Per-utterance variation of the class profile: the classes overlap a little.
    f0_base = speaker.f0 * vary(prof.f0, 0.07)
    excursion = vary(prof.excursion, 0.3)
    slope = prof.slope + rng.normal(0.0, 1.0)
    accent = vary(prof.accent, 0.3)
    jitter = vary(prof.jitter, 0.3)
    rate = speaker.rate * vary(prof.rate, 0.12)
    oq = float(np.clip(prof.open_quotient + rng.normal(0.0, 0.05), 0.3, 0.9))
    tilt = float(np.clip(prof.tilt + speaker.tilt + rng.normal(0.0, 0.1), -0.8, 0.85))
    breath = vary(prof.breath, 0.3)
    formant = speaker.formant * prof.formant * vary(1.0, 0.02)
    level_db = min(prof.level_db + speaker.level_db + rng.uniform(-2.0, 2.0), -0.92)

    # The template fixes the vowels and stresses; the emotion decides how fast and with what pauses.
    trng = np.random.default_rng([12345, template])
    vowels = trng.integers(0, len(VOWELS), size=64)
    stressed = trng.random(64) < 0.35

    # Syllables: onset (consonant noise) then vowel nucleus; pauses between some of them.
    env = np.zeros(n)
    cons_env = np.zeros(n)
    seg_vowel = np.full(n, -1, dtype=np.int64)
    creaky = np.zeros(n)
    accents: list[tuple[float, float]] = []
    t = rng.uniform(0.03, 0.15)
    end = t_total - rng.uniform(0.03, 0.12)
    k = 0
    while t < end and k < 64 * 8:
        d = float(np.exp(rng.normal(0.0, 0.22))) / rate
        onset = 0.3 * d
        i0, i1, i2 = (int(round(x * sr)) for x in (t, t + onset, min(t + d, end)))
        if i2 - i1 < 8:
            break
        strong = bool(stressed[k % 64])
        amp = 1.0 if strong else float(rng.uniform(0.5, 0.75))
        if i1 > i0:
            cons_env[i0:i1] = amp * np.sin(np.linspace(0.0, np.pi, i1 - i0)) ** 2
        x = np.linspace(0.0, 1.0, i2 - i1)
        env[i1:i2] = amp * np.sin(np.pi * x) ** 0.6
        seg_vowel[i1:i2] = vowels[k % 64]
        if rng.random() < prof.creak:
            creaky[i1:i2] = 1.0
        if strong:
            accents.append((t + onset + 0.4 * (d - onset), 0.5 * (d - onset)))
        t += d
        k += 1
        if rng.random() < prof.pause:
            t += rng.uniform(0.08, 0.35)

    # F0 contour (semitones re the base), at a 200 Hz control rate, then per sample.
    tc = np.arange(0.0, t_total + 0.005, 0.005)
    freqs = rng.uniform(0.4, 1.6, size=3)
    phases = rng.uniform(0.0, 2 * np.pi, size=3)
    smooth = np.sin(2 * np.pi * freqs[:, None] * tc[None, :] + phases[:, None]).sum(axis=0) / np.sqrt(1.5)
    st = slope * (tc / t_total - 0.5) + 0.5 * excursion * smooth
    for center, width in accents:
        st += accent * np.exp(-0.5 * ((tc - center) / max(width, 0.02)) ** 2)
    if prof.tremor > 0:
        st += vary(prof.tremor, 0.3) * np.sin(2 * np.pi * rng.uniform(6.0, 8.0) * tc + rng.uniform(0, 2 * np.pi))
    wobble = rng.normal(0.0, 1.0, size=tc.size)
    wobble = lfilter([0.5], [1.0, -0.5], wobble)  # a few control steps of memory
    st += jitter * wobble
    f0 = f0_base * 2.0 ** (np.interp(np.arange(n) / sr, tc, st) / 12.0)
    f0 *= 1.0 - 0.45 * creaky  # creak: F0 about halved
    f0 = np.clip(f0, 40.0, 0.2 * sr)

    # Glottal source: a Rosenberg pulse per period, differentiated (lip radiation).
    cycles = np.cumsum(f0) / sr
    frac = cycles % 1.0
    tp, tn = 0.62 * oq, 0.38 * oq
    flow = np.where(
        frac < tp,
        0.5 * (1.0 - np.cos(np.pi * frac / tp)),
        np.where(frac < tp + tn, np.cos(0.5 * np.pi * (frac - tp) / tn), 0.0),
    )
    if creaky.any():  # every other pulse weaker
        flow *= 1.0 - 0.6 * creaky * (np.floor(cycles) % 2)
    source = np.diff(flow, prepend=0.0) * (sr / f0_base) / 4.0
    source += breath * rng.normal(0.0, 1.0, size=n) * (0.3 + flow)

    # Vocal tract: per syllable a cascade of four 2-pole formant resonators, plus the tilt zero.
    voiced = np.zeros(n)
    bounds = np.flatnonzero(np.diff(seg_vowel, prepend=-2, append=-2))
    for a_, b_ in zip(bounds[:-1], bounds[1:]):
        v = seg_vowel[a_]
        if v < 0:
            continue
        voiced[a_:b_] = lfilter([1.0, -tilt], _formant_poly(VOWELS[v] * formant, sr), source[a_:b_])
    voiced *= env

    noise = rng.normal(0.0, 1.0, size=n)
    fricative = np.diff(noise, prepend=0.0) * cons_env
    y = voiced + 0.25 * np.abs(voiced).max() * fricative / max(np.abs(fricative).max(), 1e-12)
    y += 10 ** (-45 / 20) * np.abs(y).max() * rng.normal(0.0, 1.0, size=n)
    peak = float(np.abs(y).max())
    if not np.isfinite(peak) or peak == 0.0:  # cannot happen for frames >= 1, but never write silence
        y = 1e-3 * rng.normal(0.0, 1.0, size=n)
        peak = float(np.abs(y).max())
    return (y * (10 ** (level_db / 20) / peak)).astype(np.float32)


def _formant_poly(formants: np.ndarray, sr: float) -> np.ndarray:
    """Denominator of the formant cascade, with unit gain at 0 Hz (numerator 1 / the returned a[0])."""
    a = np.array([1.0])
    for f, bw in zip(formants, BANDWIDTHS):
        f = min(f, 0.45 * sr)
        r = np.exp(-np.pi * bw / sr)
        a = np.convolve(a, [1.0, -2.0 * r * np.cos(2 * np.pi * f / sr), r * r])
    return a / a.sum()
