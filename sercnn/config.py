"""What decides a run: the configurations of a network run (:class:`RunConfig`) and of a baseline run
(:class:`BaselineConfig`), the names their fields accept and their defaults.

Importable without a deep-learning backend, scikit-learn, pandas or librosa (only the standard library), so
that the command line can build its options and answer ``--help`` at once: the modules that use a default
import it from here (``training.PATIENCE`` is this module's :data:`PATIENCE`), and each is defined once.

Notebooks: ``book/04_1d_cnn_lstm.ipynb``, ``book/05_2d_cnn_lstm.ipynb``, ``book/06_hyperopt.ipynb``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

#: The corpora ``sercnn.datasets.load_corpus`` reads; a run may also ask for ``auto`` (EmoDB, else synthetic).
CORPORA = ("emodb", "iemocap", "ravdess", "synthetic")
CORPUS_CHOICES = (*CORPORA, "auto")
#: The evaluation protocols (sections 4.1, 4.2): a run's ``split``, a ``protocol`` of folds. ``cross-corpus``
#: is not the paper's: train on every speaker of one corpus, test on every speaker of another (``test_corpus``),
#: on the classes both have (``sercnn.datasets.cross_corpus``).
#: The paper's three (section 4.1): speaker-dependent, speaker-independent, leave-one-speaker-out.
PAPER_SPLITS = ("speaker-dependent", "speaker-independent", "loso")
SPLITS = (*PAPER_SPLITS, "cross-corpus")
SplitKind = Literal["speaker-dependent", "speaker-independent", "loso", "cross-corpus"]
#: Model-selection modes (see ``sercnn.experiment``).
SELECTIONS = ("held-out", "paper")
Selection = Literal["held-out", "paper"]
#: ``--normalise``: ``train`` standardises with statistics of the training fold (as the paper's pipeline
#: implies); ``speaker`` with each speaker's own statistics (:func:`sercnn.features.standardise`).
NORMALISE = ("train", "speaker")
#: Numerical precisions (Keras dtype policies). ``mixed_*`` compute in 16 bits with float32 weights; a
#: precision the device lacks falls back to one it has (``sercnn.devices.precision_for``).
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")

#: Epochs without improvement of validation accuracy before training stops (section 4.1).
PATIENCE = 8
#: Epochs before the patience counter starts. A choice of this project, not the paper's: with patience
#: counted from epoch 1, a run whose validation accuracy sits near chance while BatchNorm's moving
#: statistics settle is stopped at epoch 9-12 before it has learned anything (see ``models.BN_MOMENTUM``
#: and the records it cites). Counting from epoch 10 costs a few epochs on runs that learn at once and
#: gives slow starters time. The best epoch is still chosen among all epochs, the first ten included.
START_FROM_EPOCH = 10
#: Upper bound on epochs; early stopping normally ends a run well before (the paper's Figs. 9-10 stop
#: between about 20 and 60 epochs).
MAX_EPOCHS = 100
#: Mini-batch size and learning rate: the paper leaves them to its hyperopt search (section 3.4); these
#: are the values this project measured to work on EmoDB (Adam's default rate).
BATCH_SIZE = 16
LEARNING_RATE = 1e-3
OPTIMIZER = "adam"
#: The optimizers of the paper's search space (section 3.4).
OPTIMIZERS = ("adagrad", "adam", "sgd", "rmsprop")

#: BatchNorm momentum. The paper does not give it (section 5.2 only says BN is used); this is a measurement
#: of this project. Keras' default, 0.99, makes the moving statistics follow the weights so slowly that,
#: at EmoDB's ~24 batches per epoch, the network of the first epochs is evaluated (inference mode) with
#: statistics of networks long gone, and its validation accuracy sits near chance. Together with patience
#: counted from epoch 1 that ended a faithful 2D run on test speakers 03+08 at epoch 9 with 25 % test
#: accuracy; with 0.9 (and ``training.START_FROM_EPOCH``) the same run learned (57 %): run records in
#: ``results/emodb-2d-si-heldout-keras-defaults/`` and ``results/emodb-2d-si-heldout/``.
BN_MOMENTUM = 0.9

#: Share of the training utterances held out for model selection in ``held-out`` mode.
VALIDATION_SIZE = 0.1
#: Clip length in seconds (section 3.5): longer clips are cut, shorter ones zero-padded (on the side that
#: ``features.FeatureSettings.pad`` names; ``sercnn.experiment.PADDING`` chooses it per network).
CLIP_SECONDS = 8.0

#: Baseline names (``--model``) and the openSMILE feature set each uses.
BASELINES = {"svm-compare": "ComParE_2016", "svm-egemaps": "eGeMAPSv02"}
#: Candidate SVM penalties; the baseline's inner cross-validation picks one per fold.
C_GRID = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)
#: What a hyperparameter search tunes (``sercnn.search``): ``full``, every hyperparameter of chapter 6's space;
#: ``l2``, only the L2 penalties of section 5.2 on weights and on activity, every other field at the outer
#: configuration's value (the ladder's L2 measurement: a recipe with its penalty chosen on training speakers).
SEARCH_SPACES = ("full", "l2")


def _check_split(split: str, fold: str | None, corpus: str = "emodb", test_corpus: str | None = None) -> None:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    if split == "loso" and fold is None:
        raise ValueError("a loso run needs fold= (the test speaker)")
    if split == "cross-corpus":
        if test_corpus is None:
            raise ValueError("test_corpus: a cross-corpus run needs the corpus it is tested on")
        _check_choice("test_corpus", test_corpus, CORPORA)
        if corpus not in CORPORA or corpus == test_corpus:
            raise ValueError(f"test_corpus: a cross-corpus run trains on one corpus of {CORPORA} and tests on "
                             f"another, got {corpus!r} and {test_corpus!r}")
    elif test_corpus is not None:
        raise ValueError(f"test_corpus applies to the split cross-corpus only, not to {split!r}")


def _check_choice(name: str, value: object, choices: tuple) -> None:
    """A field's value among its choices, else a ValueError that starts with the field's name (the command
    line turns it into the option's name: ``--normalise: normalise must be ...``)."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")


@dataclass
class RunConfig:
    """Everything that decides a network run; stored whole in its record. Defaults: this module."""

    corpus: str = "emodb"  # emodb | iemocap | ravdess | synthetic | auto (EmoDB, else synthetic)
    data_root: str | None = None
    model: Literal["1d", "2d"] = "2d"
    split: SplitKind = "speaker-independent"
    test_speakers: list[str] | None = None
    fold: str | None = None  # loso: the test speaker
    test_corpus: str | None = None  # cross-corpus: the corpus tested on (every speaker of it)
    selection: Selection = "held-out"
    val_by: Literal["utterance", "speaker"] = "utterance"
    val_size: float = VALIDATION_SIZE
    epochs: int = MAX_EPOCHS
    batch_size: int = BATCH_SIZE
    optimizer: str = OPTIMIZER
    learning_rate: float = LEARNING_RATE
    patience: int = PATIENCE
    start_from_epoch: int = START_FROM_EPOCH
    bn_momentum: float = BN_MOMENTUM
    l2_weight: float = 0.0
    l2_activity: float = 0.0
    dropout: float = 0.0
    augment: bool = False  # 2D only: SpecAugment masks in training (models.SPEC_AUGMENT), not in the paper
    mixup: float = 0.0  # mixup's alpha (training.mix_up), not in the paper; 0: off
    pools: list[list[int]] | None = None  # 2D only: (mel, time) pool per LFLB; None: Table 2 (models.POOLS_2D)
    normalise: Literal["train", "speaker"] = "train"  # see features.standardise
    precision: Literal["float32", "mixed_bfloat16", "mixed_float16"] = "float32"  # requested; see devices
    pad: Literal["end", "start"] | None = None  # None: the network's default, see experiment.PADDING
    seconds: float = CLIP_SECONDS  # the input window (section 3.5: 8 s); see experiment.WINDOW_SECONDS
    trim_db: float | None = None  # cut each file to its sound before the window (features.trim_to_sound)
    seed: int = 0
    model_seed: int | None = None  # weights, batch order, validation draw; None: seed (protocol --seeds sets it)
    max_per_speaker_class: int | None = None  # a small stratified subset, for quick runs
    n_jobs: int | None = None

    @property
    def effective_model_seed(self) -> int:
        """The seed of the weights, the batch order and the validation draw: ``model_seed``, else ``seed``."""
        return self.seed if self.model_seed is None else self.model_seed

    def __post_init__(self) -> None:
        _check_choice("corpus", self.corpus, CORPUS_CHOICES)
        _check_choice("model", self.model, ("1d", "2d"))
        _check_split(self.split, self.fold, self.corpus, self.test_corpus)
        _check_choice("selection", self.selection, SELECTIONS)
        _check_choice("optimizer", self.optimizer, OPTIMIZERS)
        _check_choice("precision", self.precision, PRECISIONS)
        _check_choice("normalise", self.normalise, NORMALISE)
        if not 0 < self.seconds <= 60:
            raise ValueError(f"seconds must be in (0, 60], got {self.seconds!r}")
        if not 0 <= self.mixup <= 10:
            raise ValueError(f"mixup (Beta's alpha) must be in [0, 10], 0 for off, got {self.mixup!r}")
        if self.trim_db is not None and not 0 < self.trim_db <= 120:
            raise ValueError(f"trim_db must be None or in (0, 120] dB, got {self.trim_db!r}")
        if self.augment and self.model != "2d":
            raise ValueError("augment (SpecAugment) applies to the 2D network's log-mel input only")
        if self.pools is not None:
            if self.model != "2d":
                raise ValueError("pools sets the 2D network's (mel, time) pooling; the 1D network keeps Table 1's")
            self.pools = [[int(a), int(b)] for a, b in self.pools]
            if len(self.pools) != 4 or any(a < 1 or b < 1 for a, b in self.pools):
                raise ValueError(f"pools needs four (mel, time) pairs of positive sizes, got {self.pools!r}")


@dataclass
class BaselineConfig:
    """What decides a baseline run (the split fields mean what they mean in :class:`RunConfig`)."""

    corpus: str = "emodb"
    data_root: str | None = None
    model: Literal["svm-compare", "svm-egemaps"] = "svm-compare"
    split: str = "speaker-independent"
    test_speakers: list[str] | None = None
    fold: str | None = None
    test_corpus: str | None = None
    seed: int = 0
    max_per_speaker_class: int | None = None
    c_grid: list[float] = field(default_factory=lambda: list(C_GRID))
    normalise: Literal["train", "speaker"] = "train"  # speaker: each speaker's functionals by its own statistics
    model_seed: int | None = None  # the SVM's seed (inner folds, solver); None: seed. Set by protocol --seeds
    n_jobs: int | None = None

    @property
    def effective_model_seed(self) -> int:
        return self.seed if self.model_seed is None else self.model_seed

    def __post_init__(self) -> None:
        if self.model not in BASELINES:
            raise ValueError(f"baseline model must be one of {sorted(BASELINES)}, got {self.model!r}")
        _check_split(self.split, self.fold, self.corpus, self.test_corpus)
        _check_choice("normalise", self.normalise, NORMALISE)


def config_defaults(kind: str) -> dict:
    """Every field of the configuration of a ``network`` or ``baseline`` run at its default. A field is only
    ever added to :class:`RunConfig` or :class:`BaselineConfig` with a default that does what runs did before it
    existed (``trim_db=None``: files as recorded; ``mixup=0``: off; ``seconds=8``: the paper's window ...), so a
    record that lacks a field ran with its default, and :func:`sercnn.protocol.finished_fold` compares it so: a
    finished fold is recognised by a newer package (``protocol`` resumes it instead of running it again)."""
    from dataclasses import asdict

    return asdict(RunConfig() if kind == "network" else BaselineConfig())
