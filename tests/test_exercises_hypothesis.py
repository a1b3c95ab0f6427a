"""Property-based tests of every exercise check (sercnn.book.exercises): whatever a student passes (strings, bools,
NaN, infinities, None, lists, tuples, dicts, NumPy arrays of any shape and dtype, functions that raise or
return nonsense) a check returns a Check, gives a reason when the answer is wrong, and is true only for the
right answer. The right answers come from the module's own references (sercnn.paper, sercnn.models,
sercnn.training, sercnn.evaluation), never from the checks; nothing here trains a network."""

from __future__ import annotations

import math
import tempfile
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

hypothesis = pytest.importorskip("hypothesis")
try:  # hypothesis keeps caches (constants of the code under test) in .hypothesis/: keep them out of the clone
    from hypothesis.configuration import set_hypothesis_home_dir

    set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "sercnn-hypothesis")
except ImportError:  # an older hypothesis without it writes .hypothesis/ in the working directory
    pass
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

from sercnn.book import exercises  # noqa: E402
from sercnn.book.exercises import NOT_ANSWERED, Check  # noqa: E402
from sercnn.book.lstm_reference import LSTMWeights, lstm_step  # noqa: E402
from sercnn.evaluation import class_size_multiples  # noqa: E402
from sercnn.features import CLIP_SECONDS, HOP_LENGTH, SAMPLE_RATE  # noqa: E402
from sercnn.geometry import (  # noqa: E402
    POOLS_1D,
    POOLS_2D,
    block_shapes,
    lflb_geometry,
    output_length,
    receptive_fields,
)
from sercnn.paper import TABLE_7A, TABLE_7B  # noqa: E402
from sercnn.training import early_stop  # noqa: E402

# --- the right answers, from the references ----------------------------------------------------------------

GAPS = {key: TABLE_7A[key] - TABLE_7B[key] for key in TABLE_7A}
LARGEST_GAP = max(GAPS, key=GAPS.get)
FRAMES = 1 + round(SAMPLE_RATE * CLIP_SECONDS) // HOP_LENGTH  # 251
DURATIONS = pd.DataFrame({"duration_s": [2.0, 10.0]})
PADDING = float(1 - DURATIONS["duration_s"].clip(upper=CLIP_SECONDS).mean() / CLIP_SECONDS)  # 0.375
FIELD_BLOCK2 = receptive_fields(lflb_geometry(1))[3]["rf"][0]  # 26
STEPS_SAME = [s[1] for name, s in block_shapes(lflb_geometry(2, pool_padding="same"), (128, 251, 1))
              if name.endswith("pool")][-1]  # 2
STEPS_1D = int(SAMPLE_RATE * CLIP_SECONDS) // math.prod(POOLS_1D)  # 500
STEPS_2D = FRAMES
for _p in POOLS_2D:
    STEPS_2D //= _p  # 1
VAL_ACCURACY = [0.2, 0.5, 0.4, 0.3, 0.6]
EARLY_STOP = early_stop(VAL_ACCURACY, 2, 0)  # (4, 2)
TRIALS = pd.DataFrame({"accuracy": [50.0, 60.0, 60.0, 55.0]}, index=pd.Index([1, 2, 3, 4], name="trial"))
FIRST_BEST = 2
CELL_COUNT = class_size_multiples(91.55, 71)  # 65

# derandomized and without an example database: the same examples every run, no .hypothesis/ folder
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


def test_the_references_are_what_the_book_says():
    assert LARGEST_GAP in TABLE_7A
    assert (FRAMES, PADDING, FIELD_BLOCK2, STEPS_SAME) == (251, 0.375, 26, 2)
    assert (STEPS_1D, STEPS_2D, EARLY_STOP, CELL_COUNT) == (500, 1, (4, 2), 65)


# --- what any answer looks like ----------------------------------------------------------------------------

ARRAYS = hnp.arrays(
    dtype=st.one_of(hnp.scalar_dtypes(), hnp.unicode_string_dtypes(max_len=4)),
    shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3),
)
#: Values of many built-in types, each drawn by hypothesis' own strategy for its type.
FROM_TYPES = st.sampled_from(
    [int, float, complex, str, bytes, bool, type(None), list, tuple, dict, set, frozenset, range, slice, Fraction]
).flatmap(st.from_type)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=10**300, max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True), st.just(float("nan")), st.just(math.inf), st.just(-math.inf),
    st.complex_numbers(), st.fractions(), st.decimals(allow_nan=True), st.text(max_size=12), st.binary(max_size=8),
    st.just(...), st.just(np.nan), st.sampled_from([np.bool_(True), np.float32("nan"), np.int64(-1)]),
)
ANYTHING = st.recursive(
    st.one_of(SCALARS, FROM_TYPES, ARRAYS),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(st.text(max_size=4), inner, max_size=3),
    ),
    max_leaves=8,
)


def near_whole(want: int) -> st.SearchStrategy:
    """The right whole number in every form, right and wrong: int, float, string, bool, NumPy scalar, 0-d and
    1-element arrays, containers, neighbours and fractions."""
    forms = st.sampled_from([
        want, float(want), np.int64(want), np.int32(want), np.float64(want), np.float32(want), Fraction(want),
        np.array(want), np.array(float(want)), str(want), f"{want}.0", [want], (want,), {want}, {want: want},
        np.array([want]), np.array([[want]]), want + 0.5, want - 1e-9, want + 1, want - 1, -want, True, False,
        np.bool_(True), complex(want), bytes(str(want), "ascii"), np.str_(str(want)), [want, want],
    ])
    return st.one_of(forms, st.integers(want - 3, want + 3), st.floats(want - 2, want + 2))


def whole_number(value) -> int | None:
    """The test's own reading of a whole-number answer: int, NumPy integer, integral finite float or Fraction
    (also as a 0-d NumPy array); never a bool, a string, a container or a fraction such as 4.7."""
    if isinstance(value, np.ndarray):
        if value.ndim != 0 or value.dtype.kind not in "iuf":
            return None
        value = value.item()
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating, Fraction)):
        return int(value) if math.isfinite(value) and float(value).is_integer() else None
    return None


def real_number(value) -> float | None:
    if isinstance(value, np.ndarray):
        if value.ndim != 0 or value.dtype.kind not in "iuf":
            return None
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating, Fraction)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def pair_of_whole_numbers(value) -> tuple | None:
    if isinstance(value, np.ndarray) and value.ndim == 1:
        value = value.tolist()
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        return None
    return tuple(whole_number(v) for v in value)


def assert_verdict(result, answer=object()) -> None:
    """A Check with a message: "Correct. ..." when true; "Not yet. <reason>" (or NOT_ANSWERED) when false."""
    assert isinstance(result, Check), f"{type(result)} for {answer!r}"
    assert isinstance(result.message, str) and repr(result) == result.message
    assert bool(result) is result.ok
    if result.ok:
        assert result.message.startswith("Correct. ")
    elif result is not NOT_ANSWERED:
        assert result.message.startswith("Not yet. ")
        reason = result.message[len("Not yet. "):].strip(" .;:")
        assert len(reason) >= 10, f"no reason given for {answer!r}: {result.message!r}"


# --- answers that are values -------------------------------------------------------------------------------

KEY_PARTS = sorted({part for key in TABLE_7A for part in key})


@SETTINGS
@given(st.one_of(
    ANYTHING,
    st.permutations(LARGEST_GAP).map(tuple),
    st.lists(st.sampled_from(KEY_PARTS), min_size=0, max_size=4).flatmap(lambda v: st.sampled_from([v, tuple(v)])),
    st.sampled_from([LARGEST_GAP, list(LARGEST_GAP), np.array(LARGEST_GAP), " ".join(LARGEST_GAP),
                     dict.fromkeys(LARGEST_GAP, 0), set(LARGEST_GAP), (LARGEST_GAP,), [*LARGEST_GAP, ""]]),
))
def test_check_largest_gap_any_answer(answer):
    result = exercises.check_largest_gap(answer)
    assert_verdict(result, answer)
    items = answer.tolist() if isinstance(answer, np.ndarray) and answer.ndim == 1 else answer
    right = (isinstance(items, (tuple, list)) and all(isinstance(i, str) for i in items)
             and tuple(items) == LARGEST_GAP)
    assert result.ok == right, (answer, result)


@SETTINGS
@given(st.one_of(ANYTHING, near_whole(FRAMES)))
def test_check_frame_count_any_answer(answer):
    result = exercises.check_frame_count(answer)
    assert_verdict(result, answer)
    assert result.ok == (whole_number(answer) == FRAMES), (answer, result)


@SETTINGS
@given(st.one_of(
    ANYTHING, st.floats(0.3, 0.45), st.floats(30, 45), st.decimals(0, 1, places=3),
    st.sampled_from([PADDING, np.float64(PADDING), np.array(PADDING), str(PADDING), [PADDING], 37.5, True]),
))
def test_check_padding_fraction_any_answer(answer):
    result = exercises.check_padding_fraction(answer, DURATIONS)
    assert_verdict(result, answer)
    value = real_number(answer)
    assert result.ok == (value is not None and abs(value - PADDING) <= 0.005), (answer, result)


@SETTINGS
@given(st.one_of(ANYTHING, near_whole(FIELD_BLOCK2)))
def test_check_receptive_field_block2_any_answer(answer):
    result = exercises.check_receptive_field_block2(answer)
    assert_verdict(result, answer)
    assert result.ok == (whole_number(answer) == FIELD_BLOCK2), (answer, result)


@SETTINGS
@given(st.one_of(ANYTHING, near_whole(STEPS_SAME)))
def test_check_lstm_steps_same_any_answer(answer):
    result = exercises.check_lstm_steps_same(answer)
    assert_verdict(result, answer)
    assert result.ok == (whole_number(answer) == STEPS_SAME), (answer, result)


@SETTINGS
@given(st.one_of(ANYTHING, near_whole(STEPS_1D)), st.one_of(ANYTHING, near_whole(STEPS_2D)))
def test_check_lstm_sequence_length_any_answer(steps_1d, steps_2d):
    result = exercises.check_lstm_sequence_length(steps_1d, steps_2d)
    assert_verdict(result, (steps_1d, steps_2d))
    assert (result is NOT_ANSWERED) == (steps_1d is None and steps_2d is None)
    right = whole_number(steps_1d) == STEPS_1D and whole_number(steps_2d) == STEPS_2D
    assert result.ok == right, (steps_1d, steps_2d, result)


@SETTINGS
@given(st.one_of(
    ANYTHING,
    st.tuples(near_whole(EARLY_STOP[0]), near_whole(EARLY_STOP[1])),
    st.lists(st.integers(0, 6), max_size=4).flatmap(lambda v: st.sampled_from([v, tuple(v), np.array(v)])),
    st.sampled_from([EARLY_STOP, list(EARLY_STOP), np.array(EARLY_STOP), (4.0, 2.0), "42", "4, 2", (4.7, 2.2),
                     (4,), (4, 2, 1), (2, 4), (True, 2), {4: 2}, {4, 2}, ("4", "2"), (4, None), (np.nan, 2)]),
))
def test_check_early_stop_any_answer(answer):
    result = exercises.check_early_stop(answer, VAL_ACCURACY, 2, 0)
    assert_verdict(result, answer)
    assert result.ok == (pair_of_whole_numbers(answer) == EARLY_STOP), (answer, result)


@SETTINGS
@given(st.one_of(ANYTHING, near_whole(FIRST_BEST)))
def test_check_first_best_trial_any_answer(answer):
    result = exercises.check_first_best_trial(answer, TRIALS)
    assert_verdict(result, answer)
    assert result.ok == (whole_number(answer) == FIRST_BEST), (answer, result)


@SETTINGS
@given(st.one_of(ANYTHING, near_whole(CELL_COUNT)))
def test_check_cell_count_any_answer(answer):
    result = exercises.check_cell_count(answer)
    assert_verdict(result, answer)
    assert result.ok == (whole_number(answer) == CELL_COUNT), (answer, result)


# --- answers that are functions ----------------------------------------------------------------------------

EXCEPTIONS = st.sampled_from([ValueError, TypeError, ZeroDivisionError, IndexError, KeyError, RuntimeError,
                              AttributeError, NotImplementedError, OverflowError, AssertionError])


def raising(exc_type):
    def fn(*args, **kwargs):
        raise exc_type("a student's bug")
    return fn


def functions(like) -> st.SearchStrategy:
    """Answers for a check that wants a function: any value, functions returning any value, functions that
    raise."""
    return st.one_of(ANYTHING, st.functions(like=like, returns=ANYTHING, pure=True), EXCEPTIONS.map(raising))


def _pool_like(n, pool, padding):
    return 0


@SETTINGS
@given(st.one_of(
    functions(_pool_like),
    st.functions(like=_pool_like, returns=st.integers(-2, 70000), pure=True),
))
def test_check_pool_length_any_answer(fn):
    result = exercises.check_pool_length(fn)
    assert_verdict(result, fn)
    assert not result.ok  # none of these agrees with Keras on every case


def test_check_pool_length_right_and_nearly_right():
    def right(n, pool, padding):
        return output_length(n, pool, pool, padding)

    assert exercises.check_pool_length(right)
    assert exercises.check_pool_length(lambda n, p, padding: float(right(n, p, padding)))
    assert exercises.check_pool_length(lambda n, p, padding: np.int64(right(n, p, padding)))
    for wrong in (lambda n, p, padding: str(right(n, p, padding)),
                  lambda n, p, padding: [right(n, p, padding)],
                  lambda n, p, padding: np.array([right(n, p, padding)]),
                  lambda n, p, padding: right(n, p, padding) + 0.5,
                  lambda n, p, padding: bool(right(n, p, padding)) if n == 1 else right(n, p, padding),
                  lambda n, p, padding: n // p,
                  lambda n, p: n // p):
        result = exercises.check_pool_length(wrong)
        assert_verdict(result, wrong)
        assert not result


def _lstm_like(x, h, c, W, U, b):
    return h, c


@settings(SETTINGS, max_examples=40)
@given(st.one_of(
    functions(_lstm_like),
    st.functions(like=_lstm_like, returns=st.tuples(ARRAYS, ARRAYS), pure=True),
    st.functions(like=_lstm_like, returns=st.tuples(ANYTHING, ANYTHING), pure=True),
))
def test_check_lstm_step_any_answer(fn):
    result = exercises.check_lstm_step(fn)
    assert_verdict(result, fn)
    assert not result.ok


def test_check_lstm_step_right_in_any_container_and_wrong_as_strings():
    def right(x, h, c, W, U, b):
        step = lstm_step(x, h, c, LSTMWeights(W, U, b))
        return step["h"], step["c"]

    assert exercises.check_lstm_step(right)
    assert exercises.check_lstm_step(lambda *a: [v.tolist() for v in right(*a)])
    assert exercises.check_lstm_step(lambda *a: np.stack(right(*a)))
    for wrong in (lambda *a: [v.astype(str) for v in right(*a)],
                  lambda *a: [[str(x) for x in v] for v in right(*a)],
                  lambda *a: (*right(*a), None),
                  lambda *a: right(*a)[0],
                  lambda *a: {"h": right(*a)[0], "c": right(*a)[1]},
                  lambda *a: [v > 0 for v in right(*a)],
                  lambda *a: [v + np.nan for v in right(*a)],
                  lambda *a: [v.astype(complex) for v in right(*a)]):
        result = exercises.check_lstm_step(wrong)
        assert_verdict(result, wrong)
        assert not result


def _uar_like(y_true, y_pred):
    return 0.0


def _right_uar(y_true, y_pred):
    return 100 * np.mean([np.mean(y_pred[y_true == c] == c) for c in np.unique(y_true)])


@settings(SETTINGS, max_examples=40)
@given(st.one_of(
    functions(_uar_like),
    st.functions(like=_uar_like, returns=st.floats(allow_nan=True, allow_infinity=True), pure=True),
    st.functions(like=_uar_like, returns=st.sampled_from(["83.5", None, True, [50.0], np.array([50.0, 1.0])]),
                 pure=True),
))
def test_check_uar_any_answer(fn):
    result = exercises.check_uar(fn)
    assert_verdict(result, fn)
    assert not result.ok


def test_check_uar_right_forms_and_the_same_value_as_a_string():
    assert exercises.check_uar(_right_uar)
    assert exercises.check_uar(lambda t, p: np.array(_right_uar(t, p)))
    for wrong in (lambda t, p: str(_right_uar(t, p)), lambda t, p: [_right_uar(t, p)],
                  lambda t, p: _right_uar(t, p) / 100, lambda t, p: complex(_right_uar(t, p))):
        result = exercises.check_uar(wrong)
        assert_verdict(result, wrong)
        assert not result


# --- the regressions of issue 11 ---------------------------------------------------------------------------


def test_check_early_stop_regressions():
    short = exercises.check_early_stop((4,), VAL_ACCURACY, 2, 0)  # raised IndexError
    assert_verdict(short, (4,))
    assert not short and "two" in repr(short)
    long = exercises.check_early_stop((4, 2, 1), VAL_ACCURACY, 2, 0)  # said "Not yet. ." with no reason
    assert_verdict(long, (4, 2, 1))
    assert not long and repr(long) != "Not yet. ."
    for wrong in ("42", (4.7, 2.2), ("4", "2"), (True, 2), {4: 2}, (4, 2.5), [4, math.nan]):
        result = exercises.check_early_stop(wrong, VAL_ACCURACY, 2, 0)
        assert_verdict(result, wrong)
        assert not result, wrong
    swapped = exercises.check_early_stop((2, 4), VAL_ACCURACY, 2, 0)
    assert not swapped and "wrong way round" in repr(swapped)
    for right in ((4, 2), [4, 2], (4.0, 2.0), (np.int64(4), np.int64(2)), np.array([4, 2])):
        assert exercises.check_early_stop(right, VAL_ACCURACY, 2, 0), right
    assert exercises.check_early_stop(None, VAL_ACCURACY, 2, 0) is NOT_ANSWERED


@pytest.mark.parametrize("check, right, wrong_forms", [
    (exercises.check_frame_count, FRAMES, ["251", "251.0", 251.5, True, [251], np.array([251]), 10**400, math.nan]),
    (exercises.check_receptive_field_block2, FIELD_BLOCK2, ["26", 26.2, np.array([26]), np.array([26, 26]), [26]]),
    (exercises.check_lstm_steps_same, STEPS_SAME, ["2", 2.5, True, np.array([2, 2]), np.array([[2]])]),
    (exercises.check_cell_count, CELL_COUNT, ["65", 65.3, 64.9, [65], math.inf, 10**400]),
    (lambda a: exercises.check_first_best_trial(a, TRIALS), FIRST_BEST, ["2", 2.7, 3, True, [2], np.array([2])]),
])
def test_whole_number_checks_accept_numbers_only(check, right, wrong_forms):
    for form in (right, float(right), np.int64(right), np.float64(right), np.array(right)):
        result = check(form)
        assert result and repr(result).startswith("Correct"), form
    for form in wrong_forms:
        result = check(form)
        assert_verdict(result, form)
        assert not result, form
    assert check(None) is NOT_ANSWERED


def test_check_padding_fraction_regressions():
    for wrong in ("0.375", [0.375], np.array([0.375]), True, math.nan, math.inf, 10**400, 0.5, complex(0.375)):
        result = exercises.check_padding_fraction(wrong, DURATIONS)
        assert_verdict(result, wrong)
        assert not result, wrong
    assert "percentage" in repr(exercises.check_padding_fraction(37.5, DURATIONS))
    assert exercises.check_padding_fraction(np.float64(PADDING), DURATIONS)
    assert exercises.check_padding_fraction(Fraction(3, 8), DURATIONS)


def test_check_largest_gap_regressions():
    for wrong in ([[1]], [{"a": 1}], dict.fromkeys(LARGEST_GAP, 0), ",".join(LARGEST_GAP), (LARGEST_GAP,),
                  [*LARGEST_GAP, "x"], np.array([LARGEST_GAP]), ("emodb", 1, "2d")):
        result = exercises.check_largest_gap(wrong)
        assert_verdict(result, wrong)
        assert not result, wrong
    assert exercises.check_largest_gap(np.array(LARGEST_GAP))


def test_check_lstm_sequence_length_regressions():
    for wrong in ((STEPS_1D, True), ("500", "1"), (500.5, 1), (np.array([500]), 1), (STEPS_1D, None)):
        result = exercises.check_lstm_sequence_length(*wrong)
        assert_verdict(result, wrong)
        assert not result, wrong
    assert exercises.check_lstm_sequence_length(np.int64(STEPS_1D), 1.0)


def test_check_first_best_trial_tables_without_trials():
    empty = TRIALS.iloc[:0]
    for table in (empty, pd.DataFrame({"loss": [1.0]}), TRIALS.assign(accuracy=np.nan)):
        result = exercises.check_first_best_trial(2, table)
        assert_verdict(result, table)
        assert not result


def test_checks_that_want_a_function_say_so():
    for check in (exercises.check_pool_length, exercises.check_lstm_step, exercises.check_uar):
        for value in (5, "def f(): pass", [lambda: 0], np.array([1.0])):
            result = check(value)
            assert_verdict(result, value)
            assert not result and "function" in repr(result)
        assert check(None) is NOT_ANSWERED


# --- Chapter 8 ----------------------------------------------------------------------------------------------


@SETTINGS
@given(st.one_of(ANYTHING, st.booleans()))
def test_check_real_difference_any_answer(answer):
    result = exercises.check_real_difference(answer)
    assert_verdict(result, answer)
    assert result.ok == (isinstance(answer, (bool, np.bool_)) and not answer), (answer, result)


def test_check_real_difference_on_a_difference_that_is_real():
    assert exercises.check_real_difference(True, differences=(5.1, 6.3, 4.2, 7.7, 5.9, 6.4))
    assert not exercises.check_real_difference(False, differences=(5.1, 6.3, 4.2, 7.7, 5.9, 6.4))
    assert "Not answered" in repr(exercises.check_real_difference(None))
