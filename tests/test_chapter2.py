"""Chapter 2 (book/02_lflb.ipynb): NumPy references of eqs. (1)-(5) against Keras, the pure shape and
receptive-field functions against built models, and the chapter's plots, widget and exercise checks."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from sercnn import geometry
from sercnn.book import exercises, lflb_reference
from sercnn.geometry import (
    LayerGeometry,
    block_shapes,
    layer_table,
    lflb_geometry,
    model_geometry,
    output_length,
    receptive_fields,
)
from sercnn.models import build_1d_cnn_lstm, build_2d_cnn_lstm


def test_conv1d_reference_is_the_papers_convolution():
    x = np.array([1.0, 2.0, -1.0, 0.0, 3.0])
    w = np.array([1.0, 0.0, -2.0])
    z = lflb_reference.conv1d_reference(x, w)[:, 0]
    np.testing.assert_allclose(z, np.convolve(x, w, mode="same"))  # eq. (1): the kernel reversed
    np.testing.assert_allclose(lflb_reference.conv1d_reference(x, w[::-1], flip=False)[:, 0], z)


def test_conv2d_reference_is_the_papers_convolution():
    scipy_signal = pytest.importorskip("scipy.signal")
    rng = np.random.default_rng(1)
    x, w = rng.normal(size=(5, 6)), rng.normal(size=(3, 3))
    z = lflb_reference.conv2d_reference(x, w)[:, :, 0]
    np.testing.assert_allclose(z, scipy_signal.convolve2d(x, w, mode="same"))


def test_elu_batch_norm_and_pool_references():
    np.testing.assert_allclose(lflb_reference.elu_reference([-1.0, 0.0, 2.0], 0.5), [0.5 * (np.exp(-1) - 1), 0, 2])
    z = np.array([[1.0], [3.0]])
    np.testing.assert_allclose(lflb_reference.batch_norm_reference(z, epsilon=0.0), [[-1.0], [1.0]])
    np.testing.assert_allclose(
        lflb_reference.batch_norm_reference(z, 2.0, 1.0, mean=[1.0], variance=[4.0], epsilon=0.0), [[1.0], [3.0]]
    )
    # the remainder is dropped
    np.testing.assert_array_equal(lflb_reference.max_pool_reference(np.arange(10.0), 4), [3.0, 7.0])
    np.testing.assert_array_equal(lflb_reference.max_pool_reference(np.arange(30.0).reshape(5, 6), (2, 3)),
                                  [[8.0, 11.0], [20.0, 23.0]])


@pytest.mark.parametrize("dim", [1, 2])
@pytest.mark.parametrize("training", [False, True])
def test_lflb_reference_matches_keras(dim, training):
    diffs, outputs = lflb_reference.compare_lflb_with_keras(dim, training=training)
    assert set(diffs) == {"conv", "bn", "elu", "pool"}
    assert max(diffs.values()) < 1e-4, diffs
    assert outputs["pool"].shape == ((3, 4, 4) if dim == 1 else (3, 4, 5, 4))


def test_geometry_needs_no_keras():
    import subprocess
    import sys

    code = ("import sys, sercnn.geometry as g; g.receptive_field_table(g.lflb_geometry(2), (128, 251, 1)); "
            "print(sorted(m for m in ('keras', 'tensorflow', 'jax', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_output_length_matches_keras_formula():
    assert output_length(251, 2, 2) == 125 and output_length(7, 4, 4) == 1 and output_length(3, 4, 4) == 0
    assert output_length(251, 2, 2, "same") == 126 and output_length(7, 4, 4, "same") == 2
    with pytest.raises(ValueError):
        output_length(5, 2, 2, "causal")


@pytest.fixture(scope="module")
def built():
    return {1: (build_1d_cnn_lstm(7), (128000, 1)), 2: (build_2d_cnn_lstm(7), (128, 251, 1))}


@pytest.mark.parametrize("dim", [1, 2])
def test_pure_shapes_match_built_models(built, dim):
    model, input_shape = built[dim]
    keras_shapes = {name: shape for name, _, shape in layer_table(model)}
    assert model_geometry(model) == lflb_geometry(dim)
    for name, shape in block_shapes(lflb_geometry(dim), input_shape):
        assert keras_shapes[name] == shape, name
    assert block_shapes(model, input_shape) == block_shapes(lflb_geometry(dim), input_shape)


def test_receptive_fields_of_the_papers_networks():
    one = receptive_fields(lflb_geometry(1), (128000, 1))
    assert [f["rf"][0] for f in one] == [3, 6, 14, 26, 58, 106, 234, 426]
    assert one[-1]["jump"] == (256,) and one[-1]["seen"] == ((0, 127999),)
    two = receptive_fields(lflb_geometry(2), (128, 251, 1))
    assert two[-1]["rf"] == (214, 214) and two[-1]["jump"] == (128, 128)
    assert two[-1]["seen"] == ((0, 127), (0, 170))  # frames 171-250 never reach the LSTM


def _influence(model, input_shape, axis, out_index):
    """Input positions along ``axis`` whose perturbation changes output ``out_index`` (of the last layer)."""
    rng = np.random.default_rng(0)
    for layer in model.layers:  # random BN statistics: inference mode, so each input is independent
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.set_weights([np.ones(layer.gamma.shape), np.zeros(layer.gamma.shape),
                               np.zeros(layer.gamma.shape), np.ones(layer.gamma.shape)])
    x = rng.normal(size=input_shape).astype("float32")
    n = input_shape[axis]
    batch = np.repeat(x[None], n + 1, axis=0)
    for i in range(n):
        index = [i + 1] + [slice(None)] * len(input_shape)
        index[axis + 1] = i
        batch[tuple(index)] += 1e4
    y = keras.ops.convert_to_numpy(model(batch))
    y = np.moveaxis(y, axis + 1, 1)[:, out_index]
    changed = np.abs(y[1:] - y[:1]).reshape(n, -1).max(axis=1) > 1e-3
    return np.flatnonzero(changed)


@pytest.mark.parametrize(
    "dim, input_shape, pools, padding",
    [(1, (300, 1), (2, 3, 2, 2), "valid"), (2, (16, 45, 1), ((2, 2), (2, 3), (2, 2), (2, 2)), "valid"),
     (1, (301, 1), (2, 3, 2, 2), "same")],
)
def test_receptive_fields_match_perturbations(dim, input_shape, pools, padding):
    """A large bump at one input position changes exactly the outputs whose field covers it."""
    geometry = lflb_geometry(dim, filters=(8, 8, 8, 8), pools=pools, pool_padding=padding)
    inputs = keras.Input(input_shape)
    x = inputs
    for g in geometry:
        if g.kind == "conv":
            x = (keras.layers.Conv1D if dim == 1 else keras.layers.Conv2D)(g.channels, g.kernel, padding="same")(x)
            x = keras.layers.BatchNormalization()(x)
            x = keras.layers.ELU()(x)
        else:
            x = (keras.layers.MaxPooling1D if dim == 1 else keras.layers.MaxPooling2D)(g.kernel, g.stride,
                                                                                      padding=g.padding)(x)
    model = keras.Model(inputs, x)
    assert model_geometry(model) == [
        LayerGeometry(m.name, g.kind, g.kernel, g.stride, g.padding, g.channels)
        for m, g in zip([lay for lay in model.layers if "conv" in lay.name or "pool" in lay.name], geometry)
    ]
    field = receptive_fields(geometry, input_shape)[-1]
    axis = dim - 1  # the time axis
    n_out = block_shapes(geometry, input_shape)[-1][1][axis]
    for k in (0, n_out - 1):
        lo = field["start"][axis] + k * field["jump"][axis]
        expected = np.arange(max(lo, 0), min(lo + field["rf"][axis], input_shape[axis]))
        np.testing.assert_array_equal(_influence(model, input_shape, axis, k), expected)
    last = field["start"][axis] + (n_out - 1) * field["jump"][axis] + field["rf"][axis] - 1
    assert field["seen"][axis] == (max(field["start"][axis], 0), min(last, input_shape[axis] - 1))


def test_tables_of_the_chapter(built):
    table = geometry.paper_table(built[2][0], (128, 251, 1))
    assert table.loc["2LFLB4_pool", "paper's output dim"] == "M/128 × N/128 × 128"
    assert table.loc["2LFLB4_pool", "built model"] == "1 × 1 × 128"
    assert table["agrees (rounded down)"].all()
    fields = geometry.receptive_field_table(lflb_geometry(1), (128000, 1))
    assert fields.loc["1LFLB4_pool", "field (ms)"] == pytest.approx(426 / 16)
    fields2 = geometry.receptive_field_table(lflb_geometry(2), (128, 251, 1))
    assert fields2.loc["2LFLB4_pool", "field (s)"] == pytest.approx((213 * 512 + 2048) / 16000)
    assert fields2.loc["2LFLB4_pool", "frames seen"] == "0–170"
    shapes = geometry.shape_table(lflb_geometry(1), (128000, 1))
    assert shapes.loc["1LFLB4_pool", "time steps"] == 500


def test_plots_of_the_chapter():
    import matplotlib

    matplotlib.use("Agg")
    from sercnn.book import plots

    x = np.arange(8.0) - 3
    steps = lflb_reference.lflb_reference(x[None, :, None], np.ones((3, 1, 1)), [0.0], 1.0, 0.0, 4)
    assert len(plots.plot_lflb_steps(x, {k: v[0, :, 0] for k, v in steps.items()})) == 5
    x2 = np.arange(16.0).reshape(4, 4)
    steps2 = lflb_reference.lflb_reference(x2[None, :, :, None], np.ones((3, 3, 1, 1)), [0.0], 1.0, 0.0, (2, 2))
    assert len(plots.plot_lflb_steps(x2, {k: v[0, ..., 0] for k, v in steps2.items()})) == 5
    layers, shape = lflb_geometry(2), (128, 251, 1)
    ax = plots.plot_shapes_and_fields(
        geometry.shape_table(layers, shape), geometry.receptive_field_table(layers, shape), unit="frames"
    )
    assert ax.get_yscale() == "log"
    ax = plots.plot_seen_frames(np.zeros((128, 251)), (0, 170))
    assert ax.get_xlabel() == "time (s)"
    axes = plots.plot_first_block(np.zeros(1600), np.random.default_rng(0).normal(size=(400, 64)), seconds=0.05)
    assert axes[1].get_xlim() == (0, 0.05)
    axes = plots.plot_first_block(np.zeros((128, 251)), np.ones((64, 125, 64)))
    assert axes[0].get_ylabel() == "mel band"


def test_widget_table_follows_the_controls():
    pytest.importorskip("ipywidgets")
    from sercnn.book.widgets import lflb_shapes_table, lflb_shapes_widget

    paper = lflb_shapes_table(2)
    assert paper.loc["2LFLB4_pool", "time steps"] == 1
    assert lflb_shapes_table(2, pool_padding="same").loc["2LFLB4_pool", "time steps"] == 2
    wider = lflb_shapes_table(1, kernel=5)
    assert (wider["time steps"] == lflb_shapes_table(1)["time steps"]).all()  # kernel: fields, not shapes
    assert wider.loc["1LFLB4_pool", "field (samples)"] > lflb_shapes_table(1).loc["1LFLB4_pool", "field (samples)"]
    assert lflb_shapes_table(1, conv_stride=2).loc["1LFLB1_conv", "time steps"] == 64000
    widget = lflb_shapes_widget()
    network = widget.children[0].children[0]
    network.value = 2
    assert widget.children[2].children[0].value == 2  # the paper's first 2D pool


def test_exercise_checks():
    assert exercises.check_pool_length(None) is exercises.NOT_ANSWERED
    assert exercises.check_pool_length(lambda n, p, padding: n // p).ok is False
    assert exercises.check_pool_length(lambda n, p, padding: 1 / 0).ok is False
    assert exercises.check_pool_length(lambda n, p, padding: output_length(n, p, p, padding)).ok is True
    assert not exercises.check_receptive_field_block2(None)
    assert exercises.check_receptive_field_block2(14).ok is False
    assert exercises.check_receptive_field_block2(26).ok is True
    assert exercises.check_lstm_steps_same(1).ok is False
    assert exercises.check_lstm_steps_same(2).ok is True
    assert repr(exercises.check_lstm_steps_same(2)).startswith("Correct")
