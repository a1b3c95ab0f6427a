"""Named configurations of the 2D network: the paper's own setup, the rungs of the ladder beyond it, and its best.

A recipe is a set of ``RunConfig`` fields (``--recipe NAME`` on the command line, ``recipe`` in the chapters'
parameters cells); options given explicitly still override it. The ladder starts from the paper as printed
and adds one change per rung; each rung is measured on the five speaker-independent EmoDB pairs with three
model seeds and paired against the rung below with :func:`sercnn.stats.compare` (``results/ladder/``,
``book/08_beyond.ipynb``). Every constant names the rung that introduced it and why.

Order of the rungs, and why: the paper's setup first (the base). The 8 s window costs four times the compute
of the utterance itself, so the change that shortens the input (and lets the LSTM read time, which needs the
shorter input: Table 2's pooling of 63 frames leaves no time step at all) comes second, and every rung
after it is cheap. Speaker normalisation next (the baseline's largest gain); then model selection, which
changes what every later rung's figure means; then regularisers (dropout, SpecAugment, mixup), each of which
can only help a network that already fits; the ensemble of the seeds is read from the last rung's own runs.

Notebook: ``book/08_beyond.ipynb``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

#: Pooling (mel, time) per 2D LFLB that leaves the LSTM several time steps: on 63 frames (2 s) the first
#: three blocks halve time (63 -> 31 -> 15 -> 7) and the fourth keeps it, so 2L reads 7 steps of 8 mel rows
#: x 128 kernels. Table 2's (2, 4, 4, 4) square pools divide time by 128 and leave one step (of 251 frames)
#: or none (of 63). Rung ``time``.
TIME_POOLS = [[2, 2], [2, 2], [2, 2], [2, 1]]


@dataclass(frozen=True)
class Rung:
    """One rung of the ladder: its name, the fields it changes relative to the rung below, and why."""

    name: str
    change: str
    fields: dict = field(default_factory=dict)
    why: str = ""


#: The paper as printed (section 3.3, Table 2; section 3.5: 8 s, 16 kHz, log-mel 128 x 251), trained in
#: float32, model chosen on a held-out validation share of the training speakers' utterances (the paper chose
#: on the test set; ``--selection paper`` reproduces that). No L2 penalty: section 5.2 names penalties "on
#: layer parameters and layer activity" without a value; the ladder measures them with values a nested search
#: chooses on each fold's training speakers (``protocol --search-trials 6 --search-space l2``, ``bench/ladder.sh``,
#: :func:`sercnn.book.results.penalty_table`), never a constant typed here.
PAPER = {
    "model": "2d", "seconds": 8.0, "precision": "float32", "pools": None, "normalise": "train",
    "selection": "held-out", "val_by": "utterance", "val_size": 0.1, "dropout": 0.0, "augment": False,
    "mixup": 0.0, "l2_weight": 0.0, "l2_activity": 0.0, "pad": None, "trim_db": None,
}

LADDER: tuple[Rung, ...] = (
    Rung("paper", "the paper's setup: Table 2, 8 s window, float32, held-out selection", dict(PAPER),
         "the base every rung is paired against, in turn"),
    Rung("time", "the utterance itself (2 s: 63 frames, no padding) and pools that leave the LSTM 7 time steps",
         {"seconds": 2.0, "pools": TIME_POOLS},
         "Table 2's pooling leaves 2L one step and never lets frames 171-250 reach the output; padding past "
         "the utterance is what the standardiser and the network then mostly see"),
    Rung("speaker-norm", "each speaker standardised by its own statistics",
         {"normalise": "speaker"},
         "removes per-speaker offsets in level and timbre; lifted ComParE + SVM by 5-7 points"),
    Rung("val-speakers", "model selection on two whole training speakers instead of 10 % of the utterances",
         {"val_by": "speaker", "val_size": 0.25},
         "43 validation utterances of the training speakers make the kept epoch a coin toss and flatter it "
         "(the same voices are trained on); two unseen speakers are the test's situation, with twice the data"),
    Rung("dropout", "dropout 0.3 before the softmax",
         {"dropout": 0.3},
         "the network reaches 100 % training accuracy within a few epochs: a plain regulariser"),
    Rung("specaugment", "SpecAugment masks in training (sercnn.models.SPEC_AUGMENT)",
         {"augment": True},
         "masks of bands and frames: augmentation for 428 training utterances"),
    Rung("mixup", "mixup of pairs of training utterances, alpha 0.2 (sercnn.training.mix_up)",
         {"mixup": 0.2},
         "blends examples and their labels: a smoother decision boundary between classes that the network "
         "otherwise memorises; 0.2 is the value of the mixup paper's ImageNet runs and keras.layers.MixUp's default, "
         "not tuned here"),
)


#: The ladder's best configuration: the rung at which the ladder stops adding changes, by a rule fixed after the
#: ladder ran on the five pairs: keep a rung's change only where its paired interval against the rung below
#: excludes zero in its favour (the verdict "helps" of ``book/08_beyond.ipynb``'s ladder table). By that rule:
#: ``time`` (against ``paper``, narrowly, in accuracy) and ``speaker-norm`` help and are kept; ``val-speakers``
#: and ``dropout`` are within noise, ``specaugment`` hurts and ``mixup`` is within noise, so none of them is.
#: Report it with the ensemble of its seeds (``stats.ensemble_gain``: the ensemble helps on every rung from
#: ``speaker-norm`` on, and on ``paper``). The five pairs chose it, so any figure of it on EmoDB's ten speakers
#: is post hoc (optimistic); a corpus whose speakers chose nothing is its honest test.
BEST_RUNG = "speaker-norm"


def cumulative(name: str) -> dict:
    """The fields of recipe ``name``: the paper's setup with every change of the ladder up to and including rung
    ``name`` (``best``: up to :data:`BEST_RUNG`)."""
    if name == "best":
        name = BEST_RUNG
    names = [r.name for r in LADDER]
    if name not in names:
        raise ValueError(f"unknown recipe {name!r}; known: {sorted(RECIPES)}")
    out: dict = {}
    for rung in LADDER[: names.index(name) + 1]:
        out.update(rung.fields)
    return out


#: The configuration fixed before any rung ran, for the comparisons with the baselines and for LOSO: rung
#: ``dropout`` (the four changes of the first probe: the utterance itself, pools that leave time, speaker
#: normalisation, dropout 0.3; plus model selection on whole training speakers). Comparing the rung that
#: scored best on the five pairs with the baselines on those same pairs would let the test speakers choose it.
PREREGISTERED = "dropout"

#: Every named configuration: the ladder's rungs (``paper`` is the first) and ``best`` (:data:`BEST_RUNG`).
RECIPES = {**{r.name: r for r in LADDER},
           "best": Rung("best", f"the ladder's best: rung {BEST_RUNG}, every change that helped on the five pairs",
                        {}, "the changes whose paired interval excludes zero in their favour (chosen on the five "
                        "pairs, so post hoc on EmoDB)")}


def apply(cfg, name: str, explicit: set[str] = frozenset()):
    """``cfg`` (a ``RunConfig``) with recipe ``name``'s fields, except those in ``explicit`` (options the
    user gave, which win)."""
    fields = {k: v for k, v in cumulative(name).items() if k not in explicit}
    return dataclasses.replace(cfg, **fields)


def rung_table() -> list[dict]:
    """One row per rung: name, the change, the fields it sets, why (the chapter's table)."""
    return [{"rung": r.name, "change": r.change, "fields": r.fields if r.name != "paper" else "(the base)",
             "why": r.why} for r in LADDER]
