"""Chapter 3 (book/03_lstm.ipynb): the NumPy LSTM reference against Keras, and the chapter's helpers."""

from __future__ import annotations

import numpy as np
import pytest

from sercnn.book import lstm_reference as ref


def _keras_lstm(n_inputs: int, units: int, seed: int = 0):
    import keras

    keras.utils.set_random_seed(seed)
    layer = keras.layers.LSTM(units)
    layer.build((None, None, n_inputs))
    # non-trivial biases, so that a gate-order mistake in the bias shows up too
    kernel, recurrent, bias = layer.get_weights()
    bias = np.random.default_rng(seed).normal(0, 0.5, bias.shape).astype(np.float32)
    layer.set_weights([kernel, recurrent, bias])
    return layer


def test_sigmoid_is_stable_and_correct():
    x = np.array([-1000.0, -2.0, 0.0, 3.0, 1000.0])
    np.testing.assert_allclose(ref.sigmoid(x), [0.0, 1 / (1 + np.exp(2)), 0.5, 1 / (1 + np.exp(-3)), 1.0])


def test_reference_matches_keras_lstm():
    layer = _keras_lstm(n_inputs=5, units=7)
    xs = np.random.default_rng(1).normal(size=(3, 40, 5)).astype(np.float32)
    diffs = ref.compare_with_keras(layer, xs)
    assert max(diffs.values()) < 1e-5, diffs
    # the last output of the layer as the networks use it (return_sequences=False)
    last = np.asarray(layer(xs))
    np.testing.assert_allclose(ref.run_keras_lstm(layer, xs)["h"][:, -1], last, atol=1e-5)


def test_step_gates_follow_keras_order():
    w = ref.LSTMWeights.random(4, 3, seed=2)
    x, h, c = np.ones(4), np.full(3, 0.1), np.full(3, -0.2)
    step = ref.lstm_step(x, h, c, w)
    W_f, U_f, b_f = w.gate("f")
    np.testing.assert_allclose(step["f"], ref.sigmoid(x @ W_f + h @ U_f + b_f))
    W_c, U_c, b_c = w.gate("c")
    np.testing.assert_allclose(step["g"], np.tanh(x @ W_c + h @ U_c + b_c))
    np.testing.assert_allclose(step["c"], step["f"] * c + step["i"] * step["g"])
    np.testing.assert_allclose(step["h"], step["o"] * np.tanh(step["c"]))
    printed = ref.lstm_step(x, h, c, w, eq10="as_printed")
    np.testing.assert_allclose(printed["h"], step["o"] * h + step["c"])
    with pytest.raises(ValueError):
        ref.lstm_step(x, h, c, w, eq10="other")


def test_sequence_shapes_and_batch():
    w = ref.LSTMWeights.random(6, 4, seed=0)
    xs = np.random.default_rng(0).normal(size=(2, 9, 6))
    trace = ref.lstm_sequence(xs, w)
    assert set(trace) == set(ref.TRACE_KEYS)
    assert all(v.shape == (2, 9, 4) for v in trace.values())
    one = ref.lstm_sequence(xs[1], w)
    np.testing.assert_allclose(one["h"], trace["h"][1])


def test_single_step_is_a_dense_layer():
    layer = _keras_lstm(n_inputs=8, units=5, seed=3)
    x = np.random.default_rng(4).normal(size=(6, 1, 8)).astype(np.float32)
    dense = ref.single_step_as_dense(x[:, 0], ref.keras_weights(layer))
    np.testing.assert_allclose(dense, np.asarray(layer(x)), atol=1e-5)


def test_weights_validation():
    with pytest.raises(ValueError):
        ref.LSTMWeights(np.zeros((3, 8)), np.zeros((2, 8)), np.zeros(7))


def test_padding_drives_states_together():
    w = ref.LSTMWeights.random(5, 16, seed=0)
    rng = np.random.default_rng(0)
    d = ref.padded_state_distance(w, rng.normal(size=(30, 5)), rng.normal(size=(20, 5)), n_pad=200)
    assert d["steps"].shape == d["h"].shape == d["c"].shape == (201,)
    assert d["h"][0] > 0.1
    assert d["h"][-1] < 1e-3 * d["h"][0]
    # step 0 is the state after the last real step
    run = ref.lstm_sequence(rng.normal(size=(4, 5)), w)
    d0 = ref.padded_state_distance(w, np.zeros((0, 5)), np.zeros((3, 5)), n_pad=0)
    assert d0["h"].shape == (1,)
    assert run["h"].shape == (4, 16)


def test_check_lstm_step():
    from sercnn.book.exercises import NOT_ANSWERED, check_lstm_step

    def good(x, h, c, W, U, b):
        step = ref.lstm_step(x, h, c, ref.LSTMWeights(W, U, b))
        return step["h"], step["c"]

    def wrong_order(x, h, c, W, U, b):  # gates read as i, f, o, c
        z = x @ W + h @ U + b
        i, f, o, g = np.split(z, 4, axis=-1)
        c = ref.sigmoid(f) * c + ref.sigmoid(i) * np.tanh(g)
        return ref.sigmoid(o) * np.tanh(c), c

    def broken(x, h, c, W, U, b):
        raise RuntimeError("oops")

    assert check_lstm_step(None) is NOT_ANSWERED
    assert check_lstm_step(good)
    assert "Correct" in repr(check_lstm_step(good))
    wrong = check_lstm_step(wrong_order)
    assert not wrong and "gate order" in repr(wrong)
    assert not check_lstm_step(broken)
    assert not check_lstm_step(lambda *a: 3)

    def printed_eq10(x, h, c, W, U, b):
        step = ref.lstm_step(x, h, c, ref.LSTMWeights(W, U, b), eq10="as_printed")
        return step["h"], step["c"]

    assert "as printed" in repr(check_lstm_step(printed_eq10))


def test_check_lstm_sequence_length():
    from sercnn.book.exercises import NOT_ANSWERED, check_lstm_sequence_length

    assert check_lstm_sequence_length(None, None) is NOT_ANSWERED
    assert not check_lstm_sequence_length(250, 1)
    assert not check_lstm_sequence_length(500, 2)
    assert check_lstm_sequence_length(500, 1)


def test_plots_and_widget():
    import matplotlib

    matplotlib.use("Agg")
    from sercnn.book import plots, widgets

    w = ref.LSTMWeights.random(3, 6, seed=0)
    trace = ref.lstm_sequence(np.random.default_rng(0).normal(size=(25, 3)), w)
    axes = plots.plot_lstm_gates_heatmap(trace, units=range(4), step_seconds=0.016)
    assert len(axes) == len(ref.TRACE_KEYS)
    assert "s" in axes[-1].get_xlabel()
    ax = plots.plot_lstm_step(trace, 3, units=range(4))
    assert ax.get_ylabel()
    d = ref.padded_state_distance(w, np.ones((5, 3)), -np.ones((5, 3)), n_pad=50)
    ax = plots.plot_padded_state_distance(d, step_seconds=0.016, mark_steps=375)
    assert ax.get_yscale() == "log"
    pytest.importorskip("ipywidgets")
    widget = widgets.lstm_gates_widget(trace, units=range(4), step_seconds=0.016)
    assert widget.children
