"""cookbook.train: the run directory, resume, refusal to overwrite, clear failures."""

import json
import os

import keras
import numpy as np
import pytest

import cookbook
from cookbook.data.fingerprint import fingerprint
from cookbook.devices import accelerators, list_devices
from cookbook.errors import ConfigError, DataError, RunDirError, TrainingError
from cookbook.model_inputs import check_inputs
from cookbook.run_dir import read_history
from conftest import SMALL


def small(recipe, **more):
    return {**SMALL.get(recipe, {}), "fit.verbose": 0, **more}


def test_run_directory_contents(tmp_path, mnist_npz):
    out = str(tmp_path / "run")
    result = cookbook.train("mnist_dense", out=out,
                            overrides=small("mnist_dense", **{"data.source": mnist_npz,
                                                              "fit.epochs": 2}))
    assert sorted(os.listdir(out)) == ["config.toml", "confusion_matrix.png", "examples.json",
                                       "history.csv", "learning_curves.png", "logs",
                                       "metrics.json", "mistakes.png", "model.keras",
                                       "predictions.png", "report.md"]
    assert sorted(os.listdir(os.path.join(out, "logs"))) == ["train", "validation"]
    report = open(os.path.join(out, "report.md")).read()
    assert f"| accuracy | {result.metrics['test']['accuracy']:.4f} |" in report
    assert "![confusion matrix](confusion_matrix.png)" in report
    assert "| model.hidden_units | `[16]` |" in report
    metrics = json.load(open(os.path.join(out, "metrics.json")))
    assert set(metrics["test"]) == {"loss", "accuracy"}
    assert 0 <= metrics["test"]["accuracy"] <= 1
    assert metrics["fit_seconds"] > 0 and metrics["samples_per_second"] > 0
    assert metrics["data"] == {"dataset": "mnist", "source": mnist_npz, "train": 70,
                               "validation": 10, "test": 20, "class_names": list("0123456789"),
                               "fingerprint": fingerprint(mnist_npz)}
    assert metrics["epochs"] == 2
    history = read_history(os.path.join(out, "history.csv"))
    assert len(history["loss"]) == 2 and "val_loss" in history
    reloaded = keras.saving.load_model(os.path.join(out, "model.keras"), safe_mode=True)
    x = np.zeros((3, 28, 28), "float32")
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), result.model.predict(x, verbose=0),
                               atol=1e-6)
    assert 'hidden_units = [\n    16,\n]' in open(os.path.join(out, "config.toml")).read()


def test_same_seed_same_result(tmp_path):
    runs = [cookbook.train("logistic_regression", out=str(tmp_path / f"r{i}"),
                           overrides=small("logistic_regression", **{"fit.epochs": 3}))
            for i in range(2)]
    assert runs[0].history["loss"] == runs[1].history["loss"]


class AtEpoch(keras.callbacks.Callback):
    """A callback that acts at epoch `at_epoch` (0-based)."""

    def __init__(self, at_epoch):
        super().__init__()
        self.at_epoch = at_epoch


class Interrupt(AtEpoch):
    """Kills training at the end of an epoch, as a Ctrl-C or a lost machine would."""

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.at_epoch:
            raise KeyboardInterrupt


class FirstEpoch(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        if not hasattr(self, "first"):
            self.first = epoch


def test_interrupted_run_resumes_where_it_stopped(tmp_path, capsys):
    out = str(tmp_path / "run")
    overrides = small("logistic_regression", **{"fit.epochs": 4,
                                                "fit.early_stopping_patience": 0})
    with pytest.raises(KeyboardInterrupt):
        cookbook.train("logistic_regression", out=out, overrides=overrides,
                       callbacks=[Interrupt(at_epoch=1)])
    assert not os.path.exists(os.path.join(out, "metrics.json"))
    assert os.path.isdir(os.path.join(out, "backup"))
    first = FirstEpoch()
    result = cookbook.train("logistic_regression", out=out, overrides=overrides,
                            callbacks=[first], verbose=1)  # quiet before: still resumes
    assert first.first == 2  # epochs 0 and 1 were done before the interruption
    said = capsys.readouterr().out.splitlines()
    assert f"resuming after epoch 2 of 4 from {os.path.join(out, 'backup')}" in said
    assert result.metrics["epochs"] == 4
    assert read_history(os.path.join(out, "history.csv"))["loss"] == result.history["loss"]
    assert not os.path.exists(os.path.join(out, "backup"))


def test_config_toml_records_the_source_auto_found(tmp_path):
    import tomllib

    out = str(tmp_path / "run")
    result = cookbook.train("logistic_regression", out=out, overrides=small(
        "logistic_regression", **{"fit.epochs": 1, "data.source": "auto"}))
    with open(os.path.join(out, "config.toml"), "rb") as f:
        recorded = tomllib.load(f)["data"]["source"]
    assert recorded == result.metrics["data"]["source"] != "auto"
    assert result.metrics["data"]["requested"] == "auto"


def test_finished_run_is_never_overwritten(tmp_path):
    out = str(tmp_path / "run")
    cookbook.train("logistic_regression", out=out,
                   overrides=small("logistic_regression", **{"fit.epochs": 1}))
    before = open(os.path.join(out, "metrics.json")).read()
    with pytest.raises(RunDirError, match="already holds a finished run"):
        cookbook.train("logistic_regression", out=out,
                       overrides=small("logistic_regression", **{"fit.epochs": 1}))
    assert open(os.path.join(out, "metrics.json")).read() == before


def test_resume_with_other_settings_is_refused(tmp_path):
    out = str(tmp_path / "run")
    with pytest.raises(KeyboardInterrupt):
        cookbook.train("logistic_regression", out=out, callbacks=[Interrupt(0)],
                       overrides=small("logistic_regression", **{"fit.epochs": 3}))
    with pytest.raises(RunDirError, match=r"unfinished run of 1 epoch\(s\) with another configuration"):
        cookbook.train("logistic_regression", out=out,
                       overrides=small("logistic_regression", **{"fit.epochs": 5}))


def test_foreign_directory_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(RunDirError, match="exists and is not a run directory"):
        cookbook.train("logistic_regression", out=str(tmp_path))
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_nan_loss_stops_with_a_clear_error(tmp_path):
    out = str(tmp_path / "run")
    with pytest.raises(TrainingError, match=r"(loss became (nan|inf)|non-finite weights).* in "
                                            r"epoch 1;.*learning_rate"):
        cookbook.train("logistic_regression", out=out,
                       overrides=small("logistic_regression", **{"model.learning_rate": 1e30,
                                                                 "fit.epochs": 3}))
    assert not os.path.exists(os.path.join(out, "model.keras"))
    assert os.path.exists(os.path.join(out, "config.toml"))


@pytest.mark.parametrize("x, message", [
    (np.zeros((2, 784), "float32"), r"expects input 'image' of shape \(N, 28, 28\), "
                                    r"got \(2, 784\)"),
    (np.array([["a"] * 28] * 28)[None], r"expects numbers for input 'image', got dtype <U1 "
                                        r"\(text must be tokenized first\)"),
])
def test_wrong_input_shape_or_dtype(x, message):
    with pytest.raises(DataError, match=message):
        check_inputs(cookbook.recipes.mnist_dense(), x)


def test_precision_jit_and_steps_per_execution_reach_the_model(tmp_path, mnist_npz):
    out = str(tmp_path / "run")
    result = cookbook.train("mnist_dense", out=out, overrides=small("mnist_dense", **{
        "data.source": mnist_npz, "fit.epochs": 1, "fit.precision": "mixed_bfloat16",
        "fit.batch_size": 32,
        "fit.steps_per_execution": 1 if keras.backend.backend() == "torch" else 2,
        "fit.jit_compile": keras.backend.backend() != "torch"}))
    model = result.model
    assert model.get_layer("hidden_0").compute_dtype == "bfloat16"
    assert model.get_layer("probabilities").compute_dtype == "float32"
    steps = model.steps_per_execution
    assert steps == (1 if keras.backend.backend() == "torch" else 2)
    metrics = json.load(open(os.path.join(out, "metrics.json")))
    assert metrics["precision"] == "mixed_bfloat16"
    device = metrics["device"]
    # 70 examples in batches of 32: 3 steps, also when the second call of 2 runs only 1
    assert device["steps_per_execution"] == steps and device["steps"] == 3
    assert device["devices"] and device["backend"] == keras.backend.backend()
    reloaded = keras.saving.load_model(os.path.join(out, "model.keras"), safe_mode=True)
    assert reloaded.get_layer("hidden_0").compute_dtype == "bfloat16"


@pytest.mark.skipif(bool(accelerators(list_devices())), reason="this machine has an accelerator")
def test_float16_on_a_cpu_only_machine_is_refused_before_anything_is_written(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(ConfigError, match="mixed_float16 needs an NVIDIA GPU.*CPUs only"):
        cookbook.train("mnist_dense", out=str(out), overrides={"fit.precision": "mixed_float16"})
    assert not out.exists()


def test_precision_needs_a_recipe_that_takes_dtype(tmp_path, monkeypatch):
    from cookbook import registry
    from cookbook.preprocessors import TabularPreprocessor

    cookbook.list_recipes()  # the built-in ones are in the copy below
    monkeypatch.setattr(registry, "_RECIPES", dict(registry._RECIPES))  # undone after the test

    @registry.register(dataset="breast_cancer", targets=(),
                       preprocessor=lambda hp: TabularPreprocessor(30))
    def no_dtype_recipe(*, units: int = 1):
        return cookbook.recipes.logistic_regression()

    with pytest.raises(ConfigError, match="takes no dtype= argument"):
        cookbook.train("no_dtype_recipe", out=str(tmp_path / "r"),
                       overrides={"fit.precision": "mixed_bfloat16"})
    assert not (tmp_path / "r").exists()


def test_a_run_without_validation_split(tmp_path, mnist_npz):
    """Keras' CSVLogger writes NA in the val_* columns then; the history leaves them out."""
    result = cookbook.train("mnist_dense", out=str(tmp_path / "run"), verbose=0, overrides={
        "data.source": mnist_npz, "data.validation_fraction": 0, "fit.epochs": 2,
        "model.hidden_units": [8]})
    assert result.metrics["data"]["validation"] == 0 and result.metrics["epochs"] == 2
    assert set(result.history) == {"accuracy", "loss"}


class Poison(AtEpoch):
    """Makes the weights NaN when epoch `at_epoch` begins, as a diverging step would."""

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.at_epoch:
            for w in self.model.trainable_weights:
                w.assign(np.full(w.shape, np.nan, "float32"))


def test_nan_stop_keeps_the_last_good_epoch(tmp_path):
    out = str(tmp_path / "run")
    with pytest.raises(TrainingError, match=r"in epoch 3;.* the weights of epoch 2, the last good "
                                            r"one, are kept in .*latest\.weights\.h5"):
        cookbook.train("logistic_regression", out=out, callbacks=[Poison(at_epoch=2)],
                       overrides=small("logistic_regression", **{"fit.epochs": 5}))
    model = cookbook.recipes.logistic_regression()
    model.load_weights(os.path.join(out, "backup", "latest.weights.h5"))
    assert all(np.isfinite(w).all() for w in model.get_weights())
    assert not os.path.exists(os.path.join(out, "model.keras"))


@pytest.mark.slow
def test_resumed_run_matches_an_uninterrupted_one(tmp_path, mnist_npz):
    # Dropout draws random masks and the training order is shuffled every epoch: a resumed run
    # must continue both where the interrupted one stopped.
    overrides = small("mnist_dense", **{"data.source": mnist_npz, "fit.epochs": 4,
                                        "model.dropout": 0.5, "fit.early_stopping_patience": 0,
                                        "fit.reduce_lr_patience": 0})
    whole = cookbook.train("mnist_dense", out=str(tmp_path / "whole"), overrides=overrides)
    out = str(tmp_path / "parts")
    with pytest.raises(KeyboardInterrupt):
        cookbook.train("mnist_dense", out=out, overrides=overrides,
                       callbacks=[Interrupt(at_epoch=1)])
    state = json.load(open(os.path.join(out, "backup", "run_state.json")))
    resumed = cookbook.train("mnist_dense", out=out, overrides=overrides)
    np.testing.assert_allclose(resumed.history["loss"], whole.history["loss"], rtol=1e-5)
    assert resumed.metrics["parts"] == 2 and whole.metrics["parts"] == 1
    # The fit time covers both parts: the first one's seconds are added to the second's.
    assert resumed.metrics["fit_seconds"] > state["seconds"] > 0
    assert resumed.metrics["fit_seconds"] == pytest.approx(
        state["seconds"] + resumed.metrics["device"]["fit_seconds"], abs=2e-3)


@pytest.mark.parametrize("epochs_before_the_stop",  # inside the plateau
                         [1, pytest.param(2, marks=pytest.mark.slow)])
def test_a_resumed_run_stops_and_lowers_its_rate_as_the_uninterrupted_one(
        tmp_path, mnist_npz, epochs_before_the_stop):
    # Random labels: val_loss stops improving at once, so the rate is halved after one epoch
    # without progress and training stops after two (patience 2: after epoch 3 at the earliest).
    overrides = small("mnist_dense", **{"data.source": mnist_npz, "fit.epochs": 8,
                                        "fit.early_stopping_patience": 2,
                                        "fit.reduce_lr_patience": 1})
    whole = cookbook.train("mnist_dense", out=str(tmp_path / "whole"), overrides=overrides)
    stopped = whole.metrics["early_stopping"]["stopped_after_epoch"]
    assert stopped and stopped >= 3
    killed_after = stopped - 1 - epochs_before_the_stop  # the index of an epoch before the stop
    out = str(tmp_path / "parts")
    with pytest.raises(KeyboardInterrupt):
        cookbook.train("mnist_dense", out=out, overrides=overrides,
                       callbacks=[Interrupt(at_epoch=killed_after)])
    resumed = cookbook.train("mnist_dense", out=out, overrides=overrides)
    assert resumed.metrics["early_stopping"] == whole.metrics["early_stopping"]
    assert read_history(os.path.join(out, "history.csv")).keys() == whole.history.keys()
    for key, values in whole.history.items():
        np.testing.assert_allclose(resumed.history[key], values, rtol=1e-5, err_msg=key)
    for a, b in zip(resumed.model.get_weights(), whole.model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_a_failed_start_does_not_block_the_corrected_retry(tmp_path, mnist_npz):
    out = tmp_path / "run"
    out.mkdir()  # an empty --out made by the user
    with pytest.raises(DataError):
        cookbook.train("mnist_dense", out=str(out),
                       overrides=small("mnist_dense", **{"data.source": str(tmp_path / "no.npz")}))
    assert out.is_dir() and os.listdir(out) == []
    result = cookbook.train("mnist_dense", out=str(out), overrides=small(
        "mnist_dense", **{"data.source": mnist_npz, "fit.epochs": 1}))
    assert result.metrics["epochs"] == 1


def test_a_start_that_ended_before_its_first_epoch_may_change_settings(tmp_path):
    out = str(tmp_path / "run")
    with pytest.raises(TrainingError, match="no weights were kept.*same --out"):
        cookbook.train("logistic_regression", out=out, callbacks=[Poison(at_epoch=0)],
                       overrides=small("logistic_regression", **{"fit.epochs": 2}))
    result = cookbook.train("logistic_regression", out=out,
                            overrides=small("logistic_regression", **{"fit.epochs": 1}))
    assert result.metrics["epochs"] == 1


@pytest.mark.parametrize("make", ["file", "unwritable"])
def test_out_that_cannot_be_a_run_directory(tmp_path, monkeypatch, make):
    out = tmp_path / "out"
    if make == "file":
        out.write_text("mine")
        match = "is a file, not a folder"
    else:
        def refuse(*args, **kwargs):
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(os, "makedirs", refuse)
        match = r"cannot write the run directory .*Permission denied.*--out you can write to"
    with pytest.raises(RunDirError, match=match):
        cookbook.train("logistic_regression", out=str(out),
                       overrides=small("logistic_regression", **{"fit.epochs": 1}))
    if make == "file":
        assert out.read_text() == "mine"


def test_labels_must_fit_the_model_before_training(tmp_path, mnist_npz):
    out = str(tmp_path / "run")
    with pytest.raises(DataError, match=r"out of range: .*class ids 0 to 4 \(5 classes\)"):
        cookbook.train("mnist_dense", out=out, overrides=small(
            "mnist_dense", **{"data.source": mnist_npz, "model.num_classes": 5}))
    assert not os.path.exists(out)



def test_train_on_splits_already_loaded(tmp_path, mnist_npz):
    from cookbook.data import load_dataset

    data = load_dataset("mnist", mnist_npz)
    result = cookbook.train("mnist_dense", out=str(tmp_path / "run"), data=data,
                            overrides=small("mnist_dense", **{"fit.epochs": 1}))
    assert result.metrics["data"]["source"] == mnist_npz
    assert result.metrics["data"]["train"] + result.metrics["data"]["validation"] == len(
        data.x_train)
    with pytest.raises(ConfigError, match="trains on mnist, got splits of breast_cancer"):
        cookbook.train("mnist_dense", out=str(tmp_path / "other"),
                       data=load_dataset("breast_cancer"), overrides=small("mnist_dense"))


def test_the_registry_is_consulted_once_per_train(tmp_path, monkeypatch):
    # The RecipeSpec travels with the config (RunConfig.spec) instead of being looked up again.
    import sys

    from cookbook import registry

    calls = []
    original = registry.get_recipe

    def counting(name):
        calls.append(name)
        return original(name)

    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("cookbook") and \
                getattr(module, "get_recipe", None) is original:
            monkeypatch.setattr(module, "get_recipe", counting)
    cookbook.train("logistic_regression", out=str(tmp_path / "run"),
                   overrides=small("logistic_regression", **{"fit.epochs": 1,
                                                             "model.learning_rate": 0.01}))
    assert calls == ["logistic_regression"]
