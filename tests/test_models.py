"""The networks' layer output shapes against the paper's Tables 1 and 2, and backend neutrality."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from sercnn.geometry import layer_table  # noqa: E402
from sercnn.models import build_1d_cnn_lstm, build_2d_cnn_lstm, lflb  # noqa: E402

L = 128000
M, N = 128, 251

# Table 1: name -> output (length, kernels); L/4^k with the pooling's floor.
TABLE_1 = {
    "1LFLB1_conv": (L, 64), "1LFLB1_pool": (L // 4, 64),
    "1LFLB2_conv": (L // 4, 64), "1LFLB2_pool": (L // 16, 64),
    "1LFLB3_conv": (L // 16, 128), "1LFLB3_pool": (L // 64, 128),
    "1LFLB4_conv": (L // 64, 128), "1LFLB4_pool": (L // 256, 128),
    "1L": (256,), "1F": (7,),
}
# Table 2: name -> (height, width, kernels); M/2, M/8, M/32, M/128 with each pooling's floor.
TABLE_2 = {
    "2LFLB1_conv": (M, N, 64), "2LFLB1_pool": (M // 2, N // 2, 64),
    "2LFLB2_conv": (M // 2, N // 2, 64), "2LFLB2_pool": (M // 8, N // 2 // 4, 64),
    "2LFLB3_conv": (M // 8, N // 2 // 4, 128), "2LFLB3_pool": (M // 32, N // 2 // 4 // 4, 128),
    "2LFLB4_conv": (M // 32, N // 2 // 4 // 4, 128), "2LFLB4_pool": (M // 128, N // 2 // 4 // 4 // 4, 128),
    "2L": (256,), "2F": (7,),
}


def test_table_1_shapes():
    shapes = {name: shape for name, _, shape in layer_table(build_1d_cnn_lstm(7))}
    for name, expected in TABLE_1.items():
        assert shapes[name] == expected, name
    assert TABLE_1["1LFLB4_pool"] == (500, 128)  # the LSTM reads 500 steps


def test_table_2_shapes():
    model = build_2d_cnn_lstm(7)
    shapes = {name: shape for name, _, shape in layer_table(model)}
    for name, expected in TABLE_2.items():
        assert shapes[name] == expected, name
    assert shapes["2LFLB4_pool"] == (1, 1, 128)
    assert shapes["2reshape_sequence"] == (1, 128)  # one time step for the LSTM


def test_each_block_is_conv_bn_elu_pool():
    kinds = [c for name, c, _ in layer_table(build_2d_cnn_lstm(4)) if name.startswith("2LFLB1")]
    assert kinds == ["Conv2D", "FusedBatchNormalization", "ELU", "MaxPooling2D"]
    conv = build_1d_cnn_lstm(4).get_layer("1LFLB2_conv")
    assert conv.kernel_size == (3,) and conv.strides == (1,) and conv.padding == "same"


@pytest.mark.parametrize("dim, shape, pool, out", [(1, (64, 2), 4, (16, 8)), (2, (16, 12, 1), (2, 2), (8, 6, 8))])
def test_lflb_shapes(dim, shape, pool, out):
    x = keras.Input(shape)
    y = lflb(x, 8, pool, dim)
    assert tuple(y.shape[1:]) == out


def test_options_reach_the_layers():
    model = build_2d_cnn_lstm(5, bn_momentum=0.8, l2_weight=1e-4, l2_activity=1e-5, dropout=0.3)
    assert model.get_layer("2LFLB3_bn").momentum == 0.8
    assert model.get_layer("2LFLB3_conv").kernel_regularizer is not None
    assert model.get_layer("2LFLB3_pool").activity_regularizer is not None
    assert model.get_layer("2dropout").rate == 0.3
    assert model.get_layer("2F").units == 5
    plain = build_2d_cnn_lstm(5)
    assert plain.get_layer("2LFLB3_conv").kernel_regularizer is None
    assert len(plain.losses) == 0 and len(model.losses) > 0


@pytest.mark.parametrize("shape", [(4, 50, 6), (4, 9, 7, 6)])
def test_fused_batchnorm_is_keras_batchnorm(shape):
    """Same outputs, moving statistics and gradients as Keras' layer (on TF: the fused op; elsewhere: it)."""
    from sercnn.models import FusedBatchNormalization

    rng = np.random.default_rng(0)
    x = (3.0 + 2.0 * rng.standard_normal(shape)).astype("float32")
    ours, ref = FusedBatchNormalization(momentum=0.9), keras.layers.BatchNormalization(momentum=0.9)
    ours.build(shape)
    ref.build(shape)
    gamma = rng.uniform(0.5, 1.5, shape[-1]).astype("float32")
    for layer in (ours, ref):
        layer.gamma.assign(gamma)
    for _ in range(3):
        out, expected = ours(x, training=True), ref(x, training=True)
        np.testing.assert_allclose(np.asarray(out), np.asarray(expected), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(np.asarray(ours.moving_mean), np.asarray(ref.moving_mean), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(ours.moving_variance), np.asarray(ref.moving_variance), rtol=1e-4)
    np.testing.assert_allclose(np.asarray(ours(x, training=False)), np.asarray(ref(x, training=False)),
                               rtol=1e-4, atol=1e-4)
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        grads = []
        for layer in (ours, ref):
            xt = tf.constant(x)
            with tf.GradientTape() as tape:
                tape.watch(xt)
                loss = tf.reduce_sum(tf.sin(layer(xt, training=True)))
            grads.append(tape.gradient(loss, [xt, layer.gamma.value, layer.beta.value]))
        for a, b in zip(*grads):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-3, atol=1e-4)


def test_saved_model_reloads(tmp_path):
    model = build_2d_cnn_lstm(3, input_shape=(128, 128, 1))
    x = np.random.default_rng(1).standard_normal((2, 128, 128, 1)).astype("float32")
    model.save(tmp_path / "m.keras")
    again = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_mixed_bfloat16_policy():
    model = build_2d_cnn_lstm(3, input_shape=(128, 128, 1), dtype="mixed_bfloat16")
    assert model.get_layer("2LFLB1_conv").compute_dtype == "bfloat16"
    assert model.get_layer("2LFLB1_conv").variable_dtype == "float32"
    assert model.get_layer("2F").compute_dtype == "float32"
    x = np.random.default_rng(1).standard_normal((2, 128, 128, 1)).astype("float32")
    assert model.predict(x, verbose=0).dtype == np.float32


def test_lflb_rejects_other_dims():
    with pytest.raises(ValueError, match="dim"):
        lflb(keras.Input((8, 8, 8, 1)), 4, 2, 3)


SCRIPT = textwrap.dedent(
    """
    import numpy as np, keras
    from sercnn.models import build_1d_cnn_lstm, build_2d_cnn_lstm, load_model
    from sercnn.training import compile_model
    assert keras.backend.backend() == "{backend}", keras.backend.backend()
    rng = np.random.default_rng(0)
    for model, shape in ((build_2d_cnn_lstm(3, input_shape=(128, 128, 1)), (128, 128, 1)),
                         (build_1d_cnn_lstm(3, input_length=4096), (4096, 1))):
        compile_model(model)
        x = rng.standard_normal((4, *shape)).astype("float32")
        y = np.array([0, 1, 2, 0])
        model.fit(x, y, batch_size=2, epochs=1, verbose=0)
        p = model.predict(x, verbose=0)
        assert p.shape == (4, 3) and np.allclose(p.sum(axis=1), 1, atol=1e-4)
        model.save("{tmp}/m.keras")
        again = load_model("{tmp}/m.keras")
        assert np.allclose(again.predict(x, verbose=0), p, atol=1e-5)
    print("ok", keras.backend.backend())
    """
)


@pytest.mark.parametrize("backend", ["tensorflow", "jax", "torch"])
def test_models_train_under_each_backend(backend, tmp_path):
    module = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}[backend]
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed")
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "2"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(backend=backend, tmp=tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"ok {backend}" in done.stdout


def test_spec_augment_masks_in_training_only_and_round_trips(tmp_path):
    from sercnn.models import SpecAugment, build_2d_cnn_lstm

    x = np.ones((3, 32, 40, 1), np.float32)
    layer = SpecAugment(freq_masks=2, freq_width=8, time_masks=2, time_width=8, seed=0)
    assert np.array_equal(np.asarray(layer(x, training=False)), x)
    y = np.asarray(layer(x, training=True))
    assert set(np.unique(y)) <= {0.0, 1.0} and 0 < (y == 0).mean() < 0.6
    # masks are whole mel bands and whole frame spans: a masked cell's row or column is masked throughout
    zero = y[..., 0] == 0
    rows, cols = zero.all(axis=2), zero.all(axis=1)
    assert np.array_equal(zero, rows[:, :, None] | cols[:, None, :])
    model = build_2d_cnn_lstm(7, (128, 128, 1), augment=True, seed=0)
    assert model.layers[1].name == "2spec_augment"
    model.save(tmp_path / "m.keras")
    from sercnn.models import load_model

    assert type(load_model(tmp_path / "m.keras").layers[1]).__name__ == "SpecAugment"
