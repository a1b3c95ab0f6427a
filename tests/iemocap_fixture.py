"""A small fake IEMOCAP copy with the real folder and label-file layout, for tests.

``make_iemocap_fixture(tmp_path)`` writes ``Session1`` .. ``Session5``, each with two improvised dialogues
(``Ses0nF_impro01``, ``Ses0nM_impro02``) and one scripted one (``Ses0nF_script01_1``), both actors of a
session speaking in each. The k-th utterance of a speaker in a dialogue follows ``TEMPLATES[k %
len(TEMPLATES)]``: its consensus code and categorical evaluator lines. With the default
``utterances_per_speaker`` every speaker has each template once per dialogue, so that a selection's size is
``sessions * dialogues * 2 speakers * (matching templates)``. Audio: 0.5 s, 16 kHz, mono, 16-bit tones with
noise. Deterministic; about 0.1 s to write.

The writer lives in the package (``sercnn.datasets.iemocap_example``), so that the book can show the loader
on the same example; this module adds what only the tests need.
"""

from __future__ import annotations

from pathlib import Path

from sercnn.datasets.iemocap_example import DURATION_S, SAMPLE_RATE, TEMPLATES, Template, dialogues, write_example

__all__ = ["DURATION_S", "LABEL_OF_CODE", "SAMPLE_RATE", "TEMPLATES", "Template", "dialogues",
           "make_iemocap_fixture", "selected_templates"]


def make_iemocap_fixture(
    root: Path, *, sessions: int = 5, utterances_per_speaker: int = len(TEMPLATES)
) -> Path:
    """Write the fake copy into ``root`` (which then holds ``Session1`` ..) and return ``root``."""
    return write_example(root, sessions=sessions, utterances_per_speaker=utterances_per_speaker)


#: Consensus code -> the evaluator label IEMOCAP writes for it.
LABEL_OF_CODE = {"ang": "Anger", "exc": "Excited", "fru": "Frustration", "hap": "Happiness", "neu": "Neutral",
                 "sad": "Sadness", "sur": "Surprise", "oth": "Other"}


def selected_templates(
    *,
    agreement: str = "all",
    include_self_evaluations: bool = True,
    codes: tuple[str, ...] = ("ang", "exc", "fru", "hap", "neu", "sad"),
) -> list[int]:
    """Which templates a loader should keep: an independent restatement of the selection rule, for tests."""
    keep = []
    for i, tpl in enumerate(TEMPLATES):
        if tpl.code not in codes:
            continue
        if agreement == "all":
            lists = list(tpl.external)
            if include_self_evaluations and tpl.self_eval is not None:
                lists.append(tpl.self_eval)
            label = LABEL_OF_CODE[tpl.code]
            if not all(label in [s.strip() for s in lst.split(";")] for lst in lists):
                continue
        keep.append(i)
    return keep
