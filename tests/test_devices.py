"""The device-dependent branches (issue 13, part 6), each forced by replacing ``devices.accelerator``: the fused
BatchNorm op only on TensorFlow on a CPU, Keras' layer elsewhere; bfloat16 kept where the device has it, else a
precision it has, with a warning and a note in the run record."""

from __future__ import annotations

import keras
import pytest

from sercnn import devices, models
from sercnn.config import RunConfig
from sercnn.devices import Accelerator, precision_for

CPU = Accelerator("cpu")
T4 = Accelerator("gpu", "Tesla T4", (7, 5))  # Colab's GPU: float16 tensor cores, no bfloat16
A100 = Accelerator("gpu", "NVIDIA A100-SXM4-40GB", (8, 0))
P100 = Accelerator("gpu", "Tesla P100-PCIE-16GB", (6, 0))
TPU = Accelerator("tpu", "TPU v2")
TENSORFLOW = keras.backend.backend() == "tensorflow"


@pytest.fixture
def device(monkeypatch):
    """Pretend the backend computes on the given device."""
    def use(acc: Accelerator) -> None:
        monkeypatch.setattr(devices, "accelerator", lambda: acc)
    return use


def test_this_machine_is_asked_cheaply():
    found = devices.accelerator()
    assert found.kind in ("cpu", "gpu", "tpu") and devices.accelerator() is found  # asked once


@pytest.mark.skipif(not TENSORFLOW, reason="the fused op is TensorFlow's")
def test_fused_batch_norm_on_tensorflow_on_a_cpu(device):
    device(CPU)
    assert models.use_fused_batch_norm()
    assert type(models.batch_norm_layer(momentum=0.9)) is models.FusedBatchNormalization


@pytest.mark.parametrize("acc", [T4, A100, TPU], ids=["t4", "a100", "tpu"])
def test_keras_batch_norm_on_an_accelerator(device, acc):
    device(acc)
    assert not models.use_fused_batch_norm()
    assert type(models.batch_norm_layer(momentum=0.9)) is keras.layers.BatchNormalization


def test_keras_batch_norm_on_other_backends(device, monkeypatch):
    device(CPU)
    monkeypatch.setattr(models.keras.backend, "backend", lambda: "jax")
    assert not models.use_fused_batch_norm()


def test_a_saved_fused_layer_runs_keras_math_on_a_gpu(device):
    """A model saved with the fused layer and loaded where the op is not used computes Keras' own BatchNorm."""
    import numpy as np

    x = np.random.default_rng(0).normal(size=(4, 6, 3)).astype("float32")
    fused, plain = models.FusedBatchNormalization(momentum=0.9), keras.layers.BatchNormalization(momentum=0.9)
    device(T4)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(fused(x, training=True)),
                               keras.ops.convert_to_numpy(plain(x, training=True)), atol=1e-5)


def test_bfloat16_is_kept_where_the_device_has_it(recwarn):
    for acc in (CPU, A100, TPU):
        assert precision_for("mixed_bfloat16", acc) == devices.Precision("mixed_bfloat16")
    assert precision_for("float32", T4) == devices.Precision("float32")
    assert precision_for("mixed_float16", T4) == devices.Precision("mixed_float16")
    assert not recwarn.list


@pytest.mark.parametrize("requested, acc, used", [
    ("mixed_bfloat16", T4, "mixed_float16"),
    ("mixed_bfloat16", P100, "float32"),
    ("mixed_float16", CPU, "float32"),
    ("mixed_float16", TPU, "mixed_bfloat16"),
])
def test_a_precision_the_device_lacks_falls_back_with_a_warning(requested, acc, used):
    with pytest.warns(UserWarning, match=f"{requested} was requested.*{used} is used instead") as caught:
        got = precision_for(requested, acc)
    assert got.used == used and got.note == str(caught[0].message)
    assert acc.name in got.note


def test_the_network_on_a_t4_computes_in_float16_with_keras_batch_norm(device):
    from sercnn.experiment import build_model
    from sercnn.training import compile_model

    device(T4)
    cfg = RunConfig(corpus="synthetic", precision="mixed_bfloat16")
    with pytest.warns(UserWarning, match="mixed_bfloat16 was requested"):
        model = build_model(cfg, 4, (128, 128))
    assert models.numerics(model) == {"precision": "mixed_float16", "batch_norm": "BatchNormalization"}
    compile_model(model)
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)


@pytest.mark.skipif(not TENSORFLOW, reason="the fused op is TensorFlow's")
def test_the_network_on_a_cpu_keeps_bfloat16_and_the_fused_op(device, recwarn):
    from sercnn.experiment import build_model

    device(CPU)
    model = build_model(RunConfig(corpus="synthetic", precision="mixed_bfloat16"), 4, (128, 128))
    assert models.numerics(model) == {"precision": "mixed_bfloat16", "batch_norm": "FusedBatchNormalization"}
    assert not [w for w in recwarn.list if "requested" in str(w.message)]


@pytest.mark.slow
def test_the_record_says_what_was_asked_and_what_was_used(device, tmp_path):
    from sercnn.experiment import run

    device(T4)
    cfg = RunConfig(corpus="synthetic", model="2d", epochs=1, max_per_speaker_class=1, seconds=4.064,
                    precision="mixed_bfloat16", test_speakers=["s01", "s02"])
    with pytest.warns(UserWarning, match="mixed_bfloat16 was requested"):
        record = run(cfg, tmp_path / "run", progress=False)
    assert record["config"]["precision"] == "mixed_bfloat16"
    assert record["model"]["precision"] == "mixed_float16"
    assert record["model"]["batch_norm"] == "BatchNormalization"
    assert any("Tesla T4" in note and "mixed_float16 is used" in note for note in record["notes"])
