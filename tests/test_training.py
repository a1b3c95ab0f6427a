"""Early stopping, best weights, per-epoch checkpoints and resume after an interruption."""

from __future__ import annotations

import json

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from sercnn.models import build_1d_cnn_lstm  # noqa: E402
from sercnn.training import START_FROM_EPOCH, train  # noqa: E402

pytestmark = pytest.mark.slow


def _data(n=48, length=1024, seed=0):
    """Two separable classes of short 'clips': a low and a high tone."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    t = np.arange(length) / 16000
    freq = np.where(y == 0, 300.0, 3000.0)[:, None]
    x = np.sin(2 * np.pi * freq * t) + 0.3 * rng.standard_normal((n, length))
    return x.astype("float32"), y


def _model(seed=0):
    keras.utils.set_random_seed(seed)
    return build_1d_cnn_lstm(2, input_length=1024, filters=(8, 8, 8, 8), lstm_units=8)


def test_learns_and_keeps_best_weights(tmp_path):
    x, y = _data()
    # Inputs with or without the channel axis are both accepted.
    result = train(_model(), x[:32], y[:32], x[32:, :, None], y[32:], run_dir=tmp_path, epochs=6, patience=3,
                   start_from_epoch=0, progress=False, learning_rate=1e-2)
    assert result.epochs_run == len(result.history["val_accuracy"]) <= 6
    best = int(np.argmax(result.history["val_accuracy"])) + 1
    assert result.best_epoch == best
    acc = result.model.evaluate(x[32:, :, None], y[32:], verbose=0, return_dict=True)["accuracy"]
    assert acc == pytest.approx(result.history["val_accuracy"][best - 1])
    state = json.loads((tmp_path / "checkpoint" / "state.json").read_text())
    files = sorted(p.name for p in (tmp_path / "checkpoint").iterdir())
    assert files == sorted([state["best_file"], state["last_file"], "state.json"])  # old epochs' files gone
    assert state["best_file"] == f"best-{best:04d}.weights.h5"
    assert state["last_file"] == f"last-{result.epochs_run:04d}.keras"


def test_patience_counts_after_start_from_epoch():
    x, y = _data()
    # Validation labels that cannot be predicted better than by the first epoch's guess: accuracy is
    # flat, so training stops exactly start_from_epoch + patience epochs in.
    xv, yv = x[32:], np.zeros(16, dtype=int)
    result = train(_model(), x[:32], y[:32], xv, yv, epochs=50, patience=2, start_from_epoch=3, progress=False,
                   learning_rate=0.0)
    assert result.stopped_early and result.epochs_run == 5
    assert START_FROM_EPOCH >= 0


def test_resume_after_interruption_continues_the_same_run(tmp_path):
    x, y = _data()
    args = (x[:32], y[:32], x[32:], y[32:])
    kwargs = dict(epochs=4, patience=10, start_from_epoch=0, progress=False, seed=5)

    def interrupt(epoch, logs):
        if epoch == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(_model(), *args, run_dir=tmp_path / "a", on_epoch_end=interrupt, **kwargs)
    state = json.loads((tmp_path / "a" / "checkpoint" / "state.json").read_text())
    assert state["epochs_done"] == 2 and not state["finished"]

    resumed = train(_model(seed=99), *args, run_dir=tmp_path / "a", **kwargs)
    assert resumed.epochs_run == 4 and resumed.resumed_at == [2]
    assert len(resumed.history["loss"]) == 4

    straight = train(_model(), *args, run_dir=tmp_path / "b", **kwargs)
    np.testing.assert_allclose(resumed.history["loss"], straight.history["loss"], rtol=1e-4)
    np.testing.assert_allclose(resumed.history["val_accuracy"], straight.history["val_accuracy"])

    # A finished run is not trained again.
    again = train(_model(), *args, run_dir=tmp_path / "a", **kwargs)
    assert again.epochs_run == 4 and again.resumed_at == [2]


def test_resume_refuses_another_experiment(tmp_path):
    x, y = _data()
    args = (x[:32], y[:32], x[32:], y[32:])
    train(_model(), *args, run_dir=tmp_path, epochs=1, progress=False, identity={"seed": 0, "split": "a"})
    with pytest.raises(ValueError, match="another experiment .*split"):
        train(_model(), *args, run_dir=tmp_path, epochs=2, progress=False, identity={"seed": 0, "split": "b"})


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # Keras' own, about the Lambda layer's NumPy use
def test_non_finite_loss_stops_with_a_warning(tmp_path):
    x, y = _data()
    inputs = keras.Input((1024,))
    poisoned = keras.layers.Lambda(lambda t: t * float("nan"))(keras.layers.Dense(2)(inputs))
    model = keras.Model(inputs, keras.layers.Softmax()(poisoned))
    with pytest.warns(UserWarning, match="training loss became nan"):
        result = train(model, x[:32], y[:32], x[32:], y[32:], run_dir=tmp_path, epochs=5, progress=False)
    assert result.epochs_run == 1 and "nan" in result.stop_reason
    record = json.loads((tmp_path / "checkpoint" / "state.json").read_text())
    assert record["history"]["loss"] == [None]  # written as JSON null, not an invalid NaN


def test_rejects_bad_inputs():
    x, y = _data(8)
    with pytest.raises(ValueError, match="differ in length"):
        train(_model(), x, y[:-1], x, y, epochs=1, progress=False)
    with pytest.raises(ValueError, match="non-empty validation"):
        train(_model(), x, y, x[:0], y[:0], epochs=1, progress=False)


def test_mix_up_blends_inputs_and_labels():
    from sercnn.training import mix_up

    x = np.stack([np.zeros((4, 3)), np.ones((4, 3))]).astype("float32")
    xm, ym = mix_up(x, np.array([0, 1]), 3, alpha=0.2, seed=1)
    assert xm.shape == x.shape and ym.shape == (2, 3)
    np.testing.assert_allclose(ym.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(ym[:, 2], 0.0)  # a class neither example has
    np.testing.assert_allclose(xm[:, 0, 0], ym[:, 1], rtol=1e-5)  # the input is blended as its label is
    again = mix_up(x, np.array([0, 1]), 3, alpha=0.2, seed=1)
    np.testing.assert_array_equal(again[0], xm)  # seeded


def test_training_with_mixup(tmp_path):
    x, y = _data()
    result = train(_model(), x[:32], y[:32], x[32:], y[32:], run_dir=tmp_path, epochs=2, patience=3,
                   start_from_epoch=0, progress=False, learning_rate=1e-2, mixup=0.2)
    assert result.epochs_run == 2 and set(result.history) >= {"accuracy", "val_accuracy"}
    assert all(0 <= a <= 1 for a in result.history["val_accuracy"])
    assert "categorical" in str(result.model.loss).lower()
    again = train(_model(), x[:32], y[:32], x[32:], y[32:], run_dir=tmp_path, epochs=2, patience=3,
                  start_from_epoch=0, progress=False, learning_rate=1e-2, mixup=0.2)  # finished: read back
    assert again.history == result.history and "categorical" in str(again.model.loss).lower()
