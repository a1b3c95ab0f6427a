"""A generated example with IEMOCAP's folder and label-file layout: **not IEMOCAP data** (the audio is tones
with noise, not speech), so that the loader (:mod:`sercnn.datasets.iemocap`) can be shown and tested without
the licensed corpus.

:func:`write_example` writes ``Session1`` .. ``Session5``, each with the dialogues of :func:`dialogues` (two
improvised, one scripted), both actors of a session speaking in each; the k-th utterance of a speaker in a
dialogue follows ``TEMPLATES[k % len(TEMPLATES)]``: its consensus code and categorical evaluator lines, chosen
to exercise the loader's selection rules. The tests (``tests/iemocap_fixture.py``) use the same writer.

Notebook: ``book/01_data.ipynb``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: Sample rate and length of every utterance of the generated example.
SAMPLE_RATE = 16_000
DURATION_S = 0.5


@dataclass(frozen=True)
class Template:
    """One kind of example utterance: consensus code, external evaluators' labels, the speaker's
    self-evaluation, and valence/arousal/dominance."""

    code: str
    external: tuple[str, ...]  # one "Label; Label;" string per C-E evaluator
    self_eval: str | None  # the C-F1 / C-M1 line of the speaker, or None
    vad: tuple[float, float, float]


#: The k-th utterance of a speaker in a dialogue of the example follows ``TEMPLATES[k % 11]``.
TEMPLATES: tuple[Template, ...] = (
    # 0: everyone agrees (the self-evaluator gives two labels, one of them the consensus)
    Template("neu", ("Neutral;", "Neutral;", "Neutral;"), "Neutral; Frustration;", (2.5, 2.5, 2.5)),
    # 1: everyone agrees
    Template("ang", ("Anger;", "Anger;", "Anger;"), None, (1.5, 4.0, 4.5)),
    # 2: one external evaluator dissents: in with "majority", out with "all"
    Template("fru", ("Frustration;", "Frustration; Anger;", "Anger;"), None, (2.0, 3.0, 3.0)),
    # 3: no majority
    Template("xxx", ("Neutral;", "Sadness;", "Excited;"), None, (2.5, 3.0, 3.0)),
    # 4: the external evaluators agree, the speaker's self-evaluation dissents
    Template("sad", ("Sadness;", "Sadness;", "Sadness;"), "Neutral;", (1.5, 2.0, 2.0)),
    # 5: everyone agrees (one evaluator gives two labels)
    Template("exc", ("Excited;", "Excited; Happiness;", "Excited;"), None, (4.0, 4.0, 3.0)),
    # 6: everyone agrees
    Template("hap", ("Happiness;", "Happiness;", "Happiness;"), "Happiness;", (4.5, 3.0, 3.0)),
    # 7: a class the paper leaves out
    Template("sur", ("Surprise;", "Surprise;", "Surprise;"), None, (3.5, 4.0, 3.0)),
    # 8: "other" is never a class
    Template("oth", ("Other;", "Other;", "Neutral;"), None, (3.0, 3.0, 3.0)),
    # 9, 10: everyone agrees, so that the default selection has all six of the paper's classes
    Template("fru", ("Frustration;", "Frustration;", "Frustration;"), None, (2.0, 3.5, 3.5)),
    Template("sad", ("Sadness;", "Sadness;", "Sadness;"), "Sadness;", (1.5, 1.5, 2.0)),
)


def dialogues(session: int) -> list[str]:
    """The dialogue names of a session of the example: two improvised, one scripted."""
    return [f"Ses{session:02d}F_impro01", f"Ses{session:02d}M_impro02", f"Ses{session:02d}F_script01_1"]


def write_example(root: str | Path, *, sessions: int = 5,
                  utterances_per_speaker: int = len(TEMPLATES)) -> Path:
    """Write a small generated corpus with IEMOCAP's folder and label-file layout into ``root`` and return it.

    ``root/Session{n}/dialog/EmoEvaluation/<dialogue>.txt`` holds the labels and
    ``root/Session{n}/sentences/wav/<dialogue>/<utterance>.wav`` the audio, as in IEMOCAP; each session has
    the dialogues of :func:`dialogues`, both actors speaking ``utterances_per_speaker`` utterances
    in each, the k-th following ``TEMPLATES[k % len(TEMPLATES)]``. The audio is 0.5 s of
    16 kHz tones with noise: **not IEMOCAP data**, only its layout, so that
    :func:`sercnn.datasets.load_iemocap` can be shown and tested without the licensed corpus.
    Deterministic; about 0.1 s.

    Notebook: ``book/01_data.ipynb``.
    """
    import numpy as np

    root = Path(root)
    rng = np.random.default_rng(0)
    t = np.arange(int(SAMPLE_RATE * DURATION_S)) / SAMPLE_RATE
    n_templates = len(TEMPLATES)
    for n in range(1, sessions + 1):
        eval_dir = root / f"Session{n}" / "dialog" / "EmoEvaluation"
        eval_dir.mkdir(parents=True, exist_ok=True)
        for d, dialogue in enumerate(dialogues(n)):
            wav_dir = root / f"Session{n}" / "sentences" / "wav" / dialogue
            wav_dir.mkdir(parents=True, exist_ok=True)
            blocks = ["% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]\n"]
            clock = 1.0
            for k in range(utterances_per_speaker):
                template = TEMPLATES[k % n_templates]
                for gender in ("F", "M"):
                    utterance = f"{dialogue}_{gender}{k:03d}"
                    start, end = clock, clock + DURATION_S
                    clock += 0.75
                    blocks.append(_block(utterance, template, gender, start, end))
                    freq = 150.0 + 20.0 * (k % n_templates) + (80.0 if gender == "F" else 0.0) + 5.0 * d
                    audio = 0.3 * np.sin(2 * np.pi * freq * t) + 0.02 * rng.standard_normal(t.size)
                    _write_wav(wav_dir / f"{utterance}.wav", audio)
            (eval_dir / f"{dialogue}.txt").write_text("\n".join(blocks) + "\n", encoding="utf-8")
    return root


def _write_wav(path: Path, audio) -> None:
    import io

    import soundfile as sf

    # Through memory: soundfile fsyncs every file it closes, which would make the example several times slower.
    buffer = io.BytesIO()
    sf.write(buffer, audio.astype("float32"), SAMPLE_RATE, format="WAV", subtype="PCM_16")
    path.write_bytes(buffer.getvalue())


def _block(utterance: str, template: Template, gender: str, start: float, end: float) -> str:
    v, a, d = template.vad
    lines = [f"[{start:.4f} - {end:.4f}]\t{utterance}\t{template.code}\t[{v:.4f}, {a:.4f}, {d:.4f}]"]
    for i, labels in enumerate(template.external, start=1):
        lines.append(f"C-E{i}:\t{labels}\t()")
    if template.self_eval is not None:
        lines.append(f"C-{gender}1:\t{template.self_eval}\t(curious)")
    for i in range(1, len(template.external) + 1):
        lines.append(f"A-E{i}:\tval {round(v)}; act {round(a)}; dom  {round(d)};\t()")
    return "\n".join(lines) + "\n"
