"""Checks for the book's exercises: each ``check_*`` function takes a student's answer and says whether it
is right and why. It never raises on a wrong answer, so an unanswered notebook still runs top to bottom;
``None`` means "not answered yet" (:data:`NOT_ANSWERED`). It returns a :class:`Check`: true or false like
a bool (``assert check_...(...)`` in tests), shown as its message as the last expression of a cell.

Whatever a student passes (a string, a bool, NaN, a list, an array, a function that raises or returns
nonsense), a check returns a :class:`Check`, never raises, says why when the answer is wrong, and is true
only for the right answer in a sensible form: where a whole number is asked for, an ``int`` or a NumPy
integer or an integral finite float (``251.0``), never a string (``"251"``), a bool or a fraction (``4.7``).

A chapter's solution cells carry the tag ``solution``; an instructor removes them, with the solution blocks of the
prose and the outputs, for an assignment with ``python -m sercnn handout NN -o DIR`` (:mod:`sercnn.book.handout`).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from ..features import CLIP_SECONDS, HOP_LENGTH, N_FFT, SAMPLE_RATE


class Check:
    """A check's verdict: true or false like a bool, shown as its message (the last expression of a cell)."""

    def __init__(self, ok: bool, message: str) -> None:
        self.ok = bool(ok)
        self.message = message

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        return self.message


NOT_ANSWERED = Check(False, "Not answered yet: replace None with your answer and run the cell again.")


def _report(ok: bool, right: str, wrong: str) -> Check:
    return Check(ok, ("Correct. " + right) if ok else ("Not yet. " + wrong))


def _unanswered(answer: Any) -> bool:
    """True where the student has not answered yet (the check then returns :data:`NOT_ANSWERED`)."""
    return answer is None


def _show(value: Any, limit: int = 80) -> str:
    """``repr(value)`` on one line, cut to ``limit`` characters; never raises (a student's object may)."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 (a broken __repr__ is shown by its type)
        text = f"<{type(value).__name__} object>"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _error(exc: BaseException) -> str:
    """``TypeName: message`` of an exception raised by a student's code; never raises."""
    try:
        message = " ".join(str(exc).split())
    except Exception:  # noqa: BLE001
        message = ""
    if len(message) > 200:
        message = message[:197] + "..."
    return f"{type(exc).__name__}: {message or '(no message)'}"


def _scalar(value: Any) -> Any:
    """A 0-d NumPy array of numbers as its Python scalar; anything else unchanged."""
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        return value.item()
    return value


def _real(value: Any) -> float | None:
    """``value`` as a finite float where it is a real number (``int``, ``float``, a NumPy number or 0-d array),
    else None: strings, bools, containers, complex numbers, NaN and infinities are not."""
    value = _scalar(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        return None
    try:
        number = float(value)
    except Exception:  # noqa: BLE001 (OverflowError for a huge int, anything from an odd Real)
        return None
    return number if math.isfinite(number) else None


def _integer(value: Any) -> int | None:
    """``value`` as an int where it is a whole number (an ``int``, a NumPy integer, an integral finite float
    such as ``251.0``), else None: strings, bools, fractions such as ``4.7``, NaN and containers are not."""
    value = _scalar(value)
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, numbers.Integral):
        try:
            return int(value)
        except Exception:  # noqa: BLE001
            return None
    number = _real(value)
    return int(number) if number is not None and number.is_integer() else None


def _sequence(value: Any) -> list | None:
    """The items of a tuple, a list or a 1-D NumPy array, else None (strings, dicts, sets, scalars)."""
    if isinstance(value, (tuple, list)):
        return list(value)
    if isinstance(value, np.ndarray) and value.ndim == 1:
        return value.tolist()
    return None


# --- Chapter 0: introduction ----------------------------------------------------------------------------


def check_largest_gap(answer: tuple[str, str, str] | None) -> Check:
    """Chapter 0: the ``(corpus, protocol, network)`` key of ``sercnn.paper`` whose Table 7(a) "average
    accuracy" exceeds its Table 7(b) "validation accuracy" the most."""
    from ..paper import TABLE_7A, TABLE_7B

    if _unanswered(answer):
        return NOT_ANSWERED
    gaps = {key: TABLE_7A[key] - TABLE_7B[key] for key in TABLE_7A}
    want = max(gaps, key=gaps.get)
    items = _sequence(answer)
    if items is None or len(items) != 3 or not all(isinstance(item, str) for item in items):
        return _report(False, "", "answer with a key of sercnn.paper.TABLE_7A, a tuple of three strings such as "
                       f"('emodb', 'speaker-dependent', '2d'); got {_show(answer)}.")
    got = tuple(str(item) for item in items)
    if got == want:
        right = f"{want}: {TABLE_7A[want]} against {TABLE_7B[want]}, a gap of {gaps[want]:.2f} points."
        return _report(True, right, "")
    if got in gaps:
        return _report(False, "", f"the gap of {got} is {gaps[got]:.2f} points; one key has a larger gap.")
    return _report(False, "", f"{_show(got)} is not a key of sercnn.paper.TABLE_7A; its keys look like "
                   "('emodb', 'speaker-dependent', '2d').")


# --- end of chapter 0 -------------------------------------------------------------------------------------

# --- Chapter 1: data -------------------------------------------------------------------------------------


def check_frame_count(
    answer: Any,
    seconds: float = CLIP_SECONDS,
    hop_length: int = HOP_LENGTH,
    sr: int = SAMPLE_RATE,
    n_fft: int = N_FFT,
) -> Check:
    """How many frames a centred STFT gives for ``seconds`` of audio at ``sr`` Hz and hop ``hop_length``
    (section 3.5: 251 for 8 s at 16 kHz, hop 512). Notebook: ``book/01_data.ipynb``."""
    if _unanswered(answer):
        return NOT_ANSWERED
    n = round(sr * seconds)
    expected = 1 + n // hop_length
    value = _integer(answer)
    if value is None:
        return _report(False, "", f"expected a whole number of frames (an int), got {_show(answer)}.")
    hints = {
        n // hop_length: "that is n // hop: centred frames start with a frame at sample 0, so add one.",
        1 + max(0, n - n_fft) // hop_length: "that is the count without centring (no padding at the edges); "
        "librosa centres the frames, padding n_fft/2 zeros on each side.",
        n: "that is the number of samples, not frames.",
    }
    ok = value == expected
    wrong = hints.get(
        value, f"{seconds:g} s at {sr} Hz is n = {n} samples; a centred STFT gives 1 + n // hop frames."
    )
    return _report(ok, f"1 + {n} // {hop_length} = {expected} frames.", wrong)


def check_padding_fraction(answer: Any, df, seconds: float = CLIP_SECONDS, tolerance: float = 0.005) -> Check:
    """The fraction of the ``seconds`` s input window that is zero padding, averaged over the utterances of
    manifest ``df`` (clips longer than the window are cut and add none). Notebook: ``book/01_data.ipynb``."""
    if _unanswered(answer):
        return NOT_ANSWERED
    kept = df["duration_s"].clip(upper=seconds)
    expected = float(1.0 - kept.mean() / seconds)
    value = _real(answer)
    if value is None:
        return _report(False, "", f"expected a fraction between 0 and 1 (a number), got {_show(answer)}.")
    if 1.0 < value <= 100.0 and abs(value / 100.0 - expected) <= tolerance:
        return _report(False, "", "that looks like a percentage: give a fraction between 0 and 1.")
    ok = abs(value - expected) <= tolerance
    wrong = (
        f"average over the utterances 1 - min(duration, {seconds:g} s) / {seconds:g} s "
        "(the manifest's duration_s column holds each file's length)."
    )
    return _report(ok, f"{expected:.3f} of the {seconds:g} s window is padding, on average.", wrong)

# --- end of chapter 1 -------------------------------------------------------------------------------------

# --- Chapter 2: the LFLB ---------------------------------------------------------------------------------


def check_pool_length(pool_length: Callable[[int, int, str], int] | None) -> Check:
    """Exercise ex-lflb-pool-length: ``pool_length(n, pool, padding)``, the number of outputs of a max-pooling
    layer with size = stride ``pool`` on ``n`` inputs, ``padding`` "valid" or "same" (as Keras), eq. (5)."""
    if _unanswered(pool_length):
        return NOT_ANSWERED
    from ..geometry import output_length

    if not callable(pool_length):
        return _report(False, "", "pool_length should be a function pool_length(n, pool, padding) that returns a "
                       f"whole number; got {_show(pool_length)}.")
    cases = [(128000, 4, "valid"), (251, 2, "valid"), (125, 4, "valid"), (7, 4, "valid"), (3, 4, "valid"),
             (251, 2, "same"), (7, 4, "same"), (8, 4, "same"), (1, 4, "same")]
    for n, p, padding in cases:
        try:
            raw = pool_length(n, p, padding)
        except Exception as exc:  # noqa: BLE001 (a student's bug is an answer, not a crash)
            return _report(False, "", f"pool_length({n}, {p}, {padding!r}) raised {_error(exc)}")
        want = output_length(n, p, p, padding)
        got = _integer(raw)
        if got is None:
            return _report(False, "", f"pool_length({n}, {p}, {padding!r}) returned {_show(raw)}, expected a whole "
                           f"number ({want}).")
        if got != want:
            hint = "'valid' drops a remainder shorter than the pool" if padding == "valid" else \
                "'same' pads so that a remainder makes one more output"
            return _report(False, "", f"pool_length({n}, {p}, {padding!r}) gave {got!r}, expected {want}: {hint}.")
    return _report(True, f"All {len(cases)} cases agree with Keras, e.g. 251 frames -> "
                   f"{output_length(251, 2, 2, 'valid')} ('valid') or {output_length(251, 2, 2, 'same')} ('same') "
                   "after 2P1.", "")


def check_receptive_field_block2(samples: int | None) -> Check:
    """Exercise ex-lflb-field: the receptive field, in input samples, of one output of the 1D network's
    second LFLB (after 1P2), Table 1."""
    if _unanswered(samples):
        return NOT_ANSWERED
    from ..geometry import lflb_geometry, receptive_fields

    want = receptive_fields(lflb_geometry(1))[3]["rf"][0]
    got = _integer(samples)
    if got is None:
        return _report(False, "", f"answer with a whole number of input samples (an int), got {_show(samples)}.")
    if got == want:
        return _report(True, f"{want} samples, {1000 * want / 16000:g} ms at 16 kHz.", "")
    hint = "Grow the field layer by layer: r += (k - 1) * j, then j *= stride; start at r = j = 1."
    if got == 3 + 4 + 3 + 4:
        hint = "Adding kernel sizes forgets that after a pooling neighbouring outputs are j inputs apart. " + hint
    return _report(False, "", f"{got} is not it. {hint}")


def check_lstm_steps_same(steps: int | None) -> Check:
    """Exercise ex-lflb-same: how many time steps the 2D network's LSTM reads from 251 frames if every
    pooling layer used 'same' padding (Table 2's pools 2, 4, 4, 4)."""
    if _unanswered(steps):
        return NOT_ANSWERED
    from ..geometry import block_shapes, lflb_geometry

    frames = [shape[1] for name, shape in block_shapes(lflb_geometry(2, pool_padding="same"), (128, 251, 1))
              if name.endswith("pool")]
    want = frames[-1]
    chain = " -> ".join(map(str, [251, *frames]))
    got = _integer(steps)
    if got is None:
        return _report(False, "", f"answer with a whole number of time steps (an int), got {_show(steps)}.")
    return _report(got == want, f"{want}: {chain} frames, each a ceiling instead of a floor.",
                   f"{got} is not it: with 'same' each pooling gives ceil(n / pool) outputs.")

# --- end of chapter 2 -------------------------------------------------------------------------------------

# --- Chapter 3: the LSTM ---------------------------------------------------------------------------------


def check_lstm_step(fn: Callable | None, n_trials: int = 5) -> Check:
    """Exercise ex-lstm-step (book/03_lstm.ipynb): ``fn(x, h, c, W, U, b) -> (h_new, c_new)``, one LSTM step
    (eqs. 6-10, standard eq. 10) with Keras' layout (gate blocks i, f, c, o), against
    ``sercnn.book.lstm_reference.lstm_step`` on random inputs."""
    from .lstm_reference import LSTMWeights, lstm_step

    if _unanswered(fn):
        return NOT_ANSWERED
    if not callable(fn):
        return _report(False, "", "answer with a function fn(x, h, c, W, U, b) that returns (h_new, c_new); got "
                       f"{_show(fn)}.")
    rng = np.random.default_rng(2019)
    for trial in range(n_trials):
        n_in, units = int(rng.integers(2, 7)), int(rng.integers(2, 6))
        w = LSTMWeights.random(n_in, units, seed=trial, scale=2.0)
        w = LSTMWeights(w.W, w.U, rng.normal(0, 0.5, 4 * units))
        x, h, c = rng.normal(size=n_in), rng.normal(0, 0.5, units), rng.normal(size=units)
        want = lstm_step(x, h, c, w)
        try:
            got = fn(x.copy(), h.copy(), c.copy(), w.W.copy(), w.U.copy(), w.b.copy())
            pair = list(got) if isinstance(got, np.ndarray) and got.ndim >= 1 else _sequence(got)
            if pair is None or len(pair) != 2:
                raise TypeError(f"it returned {_show(got)}, not a pair")
            pair = [np.asarray(v) for v in pair]
            if any(v.dtype.kind not in "iuf" for v in pair):
                raise TypeError(f"it returned {_show(got)}, not arrays of numbers")
            h_new, c_new = (v.astype(np.float64) for v in pair)
        except Exception as exc:  # noqa: BLE001 (a student's error is reported, never raised)
            return _report(False, "", f"calling your function failed: {_error(exc)}. It should "
                           "return a pair (h_new, c_new).")
        if h_new.shape != (units,) or c_new.shape != (units,):
            return _report(False, "", f"with {units} units h_new and c_new should have shape ({units},); yours "
                           f"have {h_new.shape} and {c_new.shape}.")
        if np.allclose(h_new, want["h"], atol=1e-8) and np.allclose(c_new, want["c"], atol=1e-8):
            continue
        if np.allclose(c_new, want["c"], atol=1e-8):
            printed = lstm_step(x, h, c, w, eq10="as_printed")["h"]
            hint = ("your h_new is the paper's eq. (10) as printed (o * h + c): use h = o * tanh(c)."
                    if np.allclose(h_new, printed, atol=1e-8) else "c_new is right but h_new is not: check eq. (10).")
            return _report(False, "", hint)
        return _report(False, "", "c_new differs from eq. (9). Check the gate order of Keras' W, U and b "
                       "(i, f, c, o: the candidate is the third block, the output gate the fourth), and that the "
                       "candidate uses tanh, the gates the sigmoid.")
    return _report(True, f"your step matches the reference on {n_trials} random cells.", "")


def check_lstm_sequence_length(steps_1d: int | None, steps_2d: int | None) -> Check:
    """Exercise ex-lstm-steps (book/03_lstm.ipynb): how many time steps the LSTM reads in the 1D network
    (an 8 s clip at 16 kHz, Table 1) and in the 2D network (a 128 x 251 log-mel spectrogram, Table 2)."""
    from ..features import CLIP_SECONDS, HOP_LENGTH, SAMPLE_RATE
    from ..geometry import POOLS_1D, POOLS_2D

    if _unanswered(steps_1d) and _unanswered(steps_2d):
        return NOT_ANSWERED
    n_samples = int(SAMPLE_RATE * CLIP_SECONDS)
    n_frames = 1 + n_samples // HOP_LENGTH
    want_1d, want_2d = n_samples, n_frames
    for p in POOLS_1D:
        want_1d //= p
    for p in POOLS_2D:
        want_2d //= p
    if _integer(steps_1d) != want_1d:
        return _report(False, "", f"1D: {_show(steps_1d)} is not it; the clip has {n_samples} samples and each of "
                       "the four poolings divides the length by its stride "
                       f"({' x '.join(map(str, POOLS_1D))} = {math.prod(POOLS_1D)}).")
    if _integer(steps_2d) != want_2d:
        return _report(False, "", f"2D: {_show(steps_2d)} is not it; the time axis has {n_frames} frames; each "
                       "pooling divides it by its "
                       f"stride and rounds down ({' x '.join(map(str, POOLS_2D))} = {math.prod(POOLS_2D)}).")
    return _report(True, f"{want_1d} steps for the 1D network, {want_2d} for the 2D network.", "")


# --- end of chapter 3 -------------------------------------------------------------------------------------

# --- Chapters 4-5: training ------------------------------------------------------------------------------

def check_uar(fn: Callable | None) -> Check:
    """Chapter 4: ``fn(y_true, y_pred)`` must return the unweighted average recall in percent (the mean of
    the per-class recalls; section 4.2), compared with :func:`sercnn.evaluation.metrics` on random labels
    with unbalanced classes, where UAR and accuracy differ."""
    from ..evaluation import metrics

    if _unanswered(fn):
        return NOT_ANSWERED
    if not callable(fn):
        return _report(False, "", "answer with a function fn(y_true, y_pred) that returns the UAR in percent; got "
                       f"{_show(fn)}.")
    rng = np.random.default_rng(7)
    names = [f"c{i}" for i in range(5)]
    for trial in range(5):
        y_true = rng.choice(5, size=200, p=[0.4, 0.3, 0.15, 0.1, 0.05])
        y_pred = np.where(rng.random(200) < 0.6, y_true, rng.integers(0, 5, 200))
        want = metrics(y_true, y_pred, names)["uar"]
        try:
            raw = fn(y_true.copy(), y_pred.copy())
        except Exception as exc:  # noqa: BLE001 (a student's function may fail in any way: say how)
            return _report(False, "", f"your function raised {_error(exc)}")
        got = _real(raw)
        if got is None:
            return _report(False, "", f"on trial {trial} your function returned {_show(raw)}; return the UAR as a "
                           "finite number, a percentage (0-100).")
        if not np.isclose(got, want, atol=1e-6):
            acc = 100 * np.mean(y_true == y_pred)
            hint = " That is the accuracy, which weights classes by their size." if np.isclose(got, acc) else ""
            hint += " Return a percentage (0-100)." if np.isclose(100 * got, want) else ""
            return _report(False, "", f"on trial {trial} you returned {got:.4f}, UAR is {want:.4f}.{hint}")
    return _report(True, "Your UAR matches sercnn.evaluation.metrics on 5 unbalanced label sets.", "")


def check_early_stop(answer: tuple[int, int] | None, val_accuracy: list[float], patience: int,
                     start_from_epoch: int) -> Check:
    """Chapter 5: ``answer = (stop_epoch, best_epoch)`` for this validation-accuracy history under the rule
    of :func:`sercnn.training.early_stop` (patience counted after ``start_from_epoch``)."""
    from ..training import early_stop

    if _unanswered(answer):
        return NOT_ANSWERED
    want = tuple(int(epoch) for epoch in early_stop(val_accuracy, patience, start_from_epoch))
    items = _sequence(answer)
    if items is None or len(items) != 2:
        size = "" if items is None else f" ({len(items)} values)"
        return _report(False, "", "answer with a pair of two whole numbers, (stop_epoch, best_epoch); got "
                       f"{_show(answer)}{size}.")
    got = tuple(_integer(item) for item in items)
    if None in got:
        return _report(False, "", "both epochs are whole numbers (ints), counted from 1: (stop_epoch, best_epoch); "
                       f"got {_show(answer)}.")
    if got == want:
        return _report(True, f"The run stops after epoch {want[0]} and keeps the weights of epoch {want[1]}.", "")
    if got == want[::-1]:
        return _report(False, "", "you have the two epochs the wrong way round: the answer is (stop_epoch, "
                       "best_epoch).")
    why = []
    if got[1] != want[1]:
        why.append(f"the best epoch is the first with the highest validation accuracy, epoch {want[1]}")
    if got[0] != want[0]:
        why.append(f"patience only counts epochs after epoch {start_from_epoch}, and resets on every improvement")
    return _report(False, "", "; ".join(why) + ".")


# --- end of chapters 4-5 ----------------------------------------------------------------------------------

# --- Chapter 6: hyperparameter search ---------------------------------------------------------------------


def check_first_best_trial(answer: Any, trials) -> Check:
    """Chapter 6: the number of the first trial that reached the search's final best validation accuracy,
    read from ``trials`` (:func:`sercnn.search.trials_frame`). Notebook: ``book/06_hyperopt.ipynb``."""
    if _unanswered(answer):
        return NOT_ANSWERED
    try:
        accuracy = trials["accuracy"]
        best = float(accuracy.max())
        reached = [int(trial) for trial in trials.index[accuracy == best]]
    except Exception as exc:  # noqa: BLE001 (a table without trials or accuracies)
        return _report(False, "", f"the trials table cannot be read ({_error(exc)}): pass the table of "
                       "sercnn.search.trials_frame.")
    if not reached:
        return _report(False, "", "the trials table holds no finished trial with an accuracy yet.")
    want = reached[0]
    got = _integer(answer)
    if got is None:
        return _report(False, "", f"answer with a trial number (an integer), got {_show(answer)}.")
    if got == want:
        return _report(True, f"trial {want} first reached {best:.2f} %; the {len(trials) - want} trials after it "
                       "did not improve on it.", "")
    if got in reached:
        return _report(False, "", f"trial {got} reached the best too, but an earlier trial reached it first.")
    return _report(False, "", "look for the first row where 'best so far' equals its last value.")


# --- end of chapter 6 -------------------------------------------------------------------------------------

# --- Chapter 7: results -----------------------------------------------------------------------------------


def check_cell_count(answer: Any, cell_pct: float = 91.55, class_size: int = 71) -> Check:
    """Chapter 7: how many utterances a confusion-matrix cell of ``cell_pct`` percent stands for, if the row
    counts all ``class_size`` utterances of its class (default: Table 5, 2D, happiness: 91.55 % of EmoDB's 71
    happy utterances). Notebook: ``book/07_results.ipynb``."""
    from ..evaluation import class_size_multiples

    if _unanswered(answer):
        return NOT_ANSWERED
    want = class_size_multiples(cell_pct, class_size)
    got = _integer(answer)
    if got is None:
        return _report(False, "", f"answer with a whole number of utterances (an int), got {_show(answer)}.")
    if want is not None and got == want:
        test = round(0.2 * class_size)
        return _report(True, f"{want} / {class_size} = {100 * want / class_size:.2f} %. A 20 % test set holds about "
                       f"{test} of them, and no whole number k out of {test} gives {cell_pct} %.", "")
    return _report(False, "", f"{cell_pct} % of {class_size} is {cell_pct * class_size / 100:.3f}: round it.")


# --- end of chapter 7 -------------------------------------------------------------------------------------


# --- Chapter 8: beyond the paper --------------------------------------------------------------------------

#: Chapter 7's window comparison, fold by fold: accuracy with the 4.064 s window (float32) minus the 8 s
#: window, on the pairs 03-08, 10-09, 11-13, 12-14, 15-16 (one seed each).
WINDOW_DIFFERENCES = (16.8, -6.2, 15.5, 8.7, 0.0)


def check_real_difference(answer: Any, differences=WINDOW_DIFFERENCES) -> Check:
    """Is the mean of these paired fold differences a real difference (its 95 % interval excludes zero)?
    ``answer``: ``True`` (real) or ``False`` (within noise).

    Notebook: ``book/08_beyond.ipynb``.
    """
    from ..stats import paired_interval

    if _unanswered(answer):
        return NOT_ANSWERED
    if not isinstance(answer, (bool, np.bool_)):
        return Check(False, f"Not yet. Answer True (real) or False (within noise), not {_show(answer)}.")
    i = paired_interval(list(differences))
    real = i["low"] > 0 or i["high"] < 0
    why = (f"the mean difference is {i['mean']:+.1f} points, and its 95 % interval runs from {i['low']:+.1f} to "
           f"{i['high']:+.1f}")
    return _report(bool(answer) == real, f"{why}: {'real' if real else 'within noise'}.",
                   "Compute sercnn.stats.paired_interval of the differences: does the interval contain zero?")
