"""Training throughput of cookbook's fit vs a hand-written `jax.jit` train step, on JAX.

For `mnist_dense`, `mnist_cnn` and `cifar10_cnn`, with and without their augmentation, on
synthetic data of the real datasets' size (MNIST: 60,000 x 28x28; CIFAR-10: 50,000 x 32x32x3,
pixel values 0-255, random labels):

- cookbook: the recipe as `cookbook run` builds it (`fit.precision`, `jit_compile="auto"`,
  `steps_per_execution="auto"` probed as in a run), fitted with the callbacks `cookbook run`
  passes (`cookbook.fitting.fit_callbacks`: backup, CSV log, NaN guard, device report,
  progress), no validation; the figure is the device report's steady samples per second.
- hand-written: the same Keras model (same layers, augmentation and initial weights), the same
  optimizer and loss, trained by one `jax.jit` step around `model.stateless_call` and
  `optimizer.stateless_apply` (buffers donated), fed the same shuffled NumPy batches of the same
  size from the host, no callbacks, no metrics.

Both train `--epochs` epochs of `--samples` examples per model (default: the whole set; on a
CPU use fewer); the first epoch (compilation) is left out of both figures. Ratio = cookbook /
hand-written. The sample count is cut to a multiple of the batch size so no epoch ends in a
smaller batch. Works without TensorFlow.

    python benchmarks/bench_compiled.py                                    # CPU: fewer samples
    python benchmarks/bench_compiled.py --samples 0 --batch-size 512 --precision mixed_bfloat16
"""

import argparse
import json
import os
import sys
import tempfile
import time

os.environ["KERAS_BACKEND"] = "jax"  # this benchmark is about the JAX backend

import jax  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from cookbook import config as config_lib  # noqa: E402
from cookbook.compilation import choose_steps_per_execution  # noqa: E402
from cookbook.fitting import fit_callbacks  # noqa: E402
from cookbook.training import build_model  # noqa: E402

SHAPES = {"mnist_dense": (60000, (28, 28)), "mnist_cnn": (60000, (28, 28)),
          "cifar10_cnn": (50000, (32, 32, 3))}
# Hyper-parameters that turn the recipe's augmentation off (None: it has none).
NO_AUGMENTATION = {"mnist_dense": None, "mnist_cnn": {"max_shift": 0.0},
                   "cifar10_cnn": {"max_shift": 0.0, "flip": False}}


def synthetic(recipe, samples, seed=0):
    n, shape = SHAPES[recipe]
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, (n,) + shape, dtype=np.uint8).astype("float32")
    y = rng.integers(0, 10, n).astype("int32")
    return (x[:samples], y[:samples]) if samples else (x, y)


def make_config(recipe, model_overrides, args):
    config = config_lib.default_config(recipe)
    config.model.update(model_overrides)
    config.fit.precision = args.precision
    config.fit.verbose = 0
    if args.batch_size:
        config.fit.batch_size = args.batch_size
    config.fit.epochs = args.epochs
    return config


def cookbook_fit(config, x, y):
    keras.utils.set_random_seed(0)
    model = build_model(config)
    fit = config.fit
    steps = choose_steps_per_execution(model, x, y, batch_size=fit.batch_size,
                                       steps_per_epoch=len(x) // fit.batch_size)
    with tempfile.TemporaryDirectory() as out:
        callbacks, _, report = fit_callbacks(out, fit, len(x), validation=False)
        model.fit(x, y, batch_size=fit.batch_size, epochs=fit.epochs, verbose=0,
                  callbacks=callbacks)
    return {"samples_per_second": round(report.samples_per_second, 1),
            "jit_compile": bool(model.jit_compile), "steps_per_execution": steps["chosen"],
            "first_call_seconds": round(report.first_call_seconds, 2)}


def handwritten_fit(config, x, y):
    keras.utils.set_random_seed(0)
    model = build_model(config)
    optimizer, batch = model.optimizer, config.fit.batch_size
    loss_fn = keras.losses.get(model.loss)
    optimizer.build(model.trainable_variables)
    state = ([v.value for v in model.trainable_variables],
             [v.value for v in model.non_trainable_variables],
             [v.value for v in optimizer.variables])

    def loss_of(trainable, non_trainable, xb, yb):
        y_pred, non_trainable = model.stateless_call(trainable, non_trainable, xb, training=True)
        return keras.ops.mean(loss_fn(yb, y_pred)), non_trainable

    grad = jax.value_and_grad(loss_of, has_aux=True)

    def train_step(state, xb, yb):
        trainable, non_trainable, opt = state
        (loss, non_trainable), grads = grad(trainable, non_trainable, xb, yb)
        trainable, opt = optimizer.stateless_apply(opt, grads, trainable)
        return (trainable, non_trainable, opt), loss

    step = jax.jit(train_step, donate_argnums=0)
    rng = np.random.default_rng(0)
    seconds = []
    for _ in range(config.fit.epochs):
        order = rng.permutation(len(x))
        start = time.perf_counter()
        for i in range(0, len(x) - batch + 1, batch):
            idx = order[i:i + batch]
            state, loss = step(state, x[idx], y[idx])
        jax.block_until_ready(loss)
        seconds.append(time.perf_counter() - start)
    samples = (len(x) // batch) * batch
    return {"samples_per_second": round(samples * (len(seconds) - 1) / sum(seconds[1:]), 1),
            "first_epoch_seconds": round(seconds[0], 2)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", nargs="*", default=list(SHAPES))
    parser.add_argument("--samples", type=int, default=None,
                        help="examples per epoch (0: the whole set; default: the whole set on "
                             "a GPU, 6,400 / 2,560 for the CNNs on a CPU)")
    parser.add_argument("--epochs", type=int, default=3, help="the first is left out")
    parser.add_argument("--batch-size", type=int, default=None, help="default: the recipe's")
    parser.add_argument("--precision", default="float32")
    parser.add_argument("--out", default=os.path.join(HERE, "results", "compiled.json"))
    args = parser.parse_args()
    from machine import describe

    gpu = any(d.platform == "gpu" for d in jax.devices())
    rows = []
    for recipe in args.recipes:
        samples = args.samples
        if samples is None:
            samples = 0 if gpu or recipe == "mnist_dense" else (
                6400 if recipe == "mnist_cnn" else 2560)
        off = NO_AUGMENTATION[recipe]
        variants = [("on", {}), ("off", off)] if off else [("none", {})]
        for augmentation, overrides in variants:
            config = make_config(recipe, overrides, args)
            x, y = synthetic(recipe, samples)
            n = (len(x) // config.fit.batch_size) * config.fit.batch_size
            x, y = x[:n], y[:n]
            ours = cookbook_fit(config, x, y)
            ref = handwritten_fit(config, x, y)
            row = {"recipe": recipe, "augmentation": augmentation, "samples_per_epoch": n,
                   "batch_size": config.fit.batch_size, "precision": args.precision,
                   "cookbook": ours, "handwritten": ref,
                   "ratio": round(ours["samples_per_second"] / ref["samples_per_second"], 3)}
            rows.append(row)
            print(f"{recipe:12s} aug {row['augmentation']:4s} batch {row['batch_size']:4d}  "
                  f"cookbook {ours['samples_per_second']:>10,.0f}/s (spe "
                  f"{ours['steps_per_execution']}, jit {ours['jit_compile']})  hand-written "
                  f"{ref['samples_per_second']:>10,.0f}/s  ratio {row['ratio']:.2f}", flush=True)
    result = {"machine": describe(), "devices": [str(d) for d in jax.devices()],
              "jax": jax.__version__, "epochs": args.epochs, "rows": rows}
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=2)
    print(f"-> {args.out}")


if __name__ == "__main__":
    main()
