"""mnist_dense under Keras `fit` on JAX vs a hand-written jitted JAX loop: the framework overhead.

Same model (pixels / 255, Dense 512 ReLU, dropout 0.4, Dense 10 softmax), same Adam
(learning rate 0.003, Keras' defaults for the betas and epsilon), same batch size (128), same
training data (the 5,000-digit offline sample, split as `cookbook run` splits it), same number
of epochs, no validation, no early stopping. Both feed batches from host NumPy arrays, shuffled
each epoch. The hand-written loop is one `jax.jit` step: forward, cross-entropy, `jax.grad`,
Adam update (the dropout key folded in from the step count inside the step); no metrics, no
callbacks. Each epoch the host shuffles the arrays once and feeds contiguous batches.

Time is the steady state: epochs after the first (which includes compilation), best of
`--repeats`. Ratio = Keras seconds per epoch / hand-written seconds per epoch.

    python benchmarks/bench_jax_loop.py --epochs 30 --repeats 5
"""

import argparse
import json
import os
import sys
import time

os.environ["KERAS_BACKEND"] = "jax"  # this benchmark is about the JAX backend

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

import cookbook  # noqa: E402
from cookbook.data import load_dataset, seeded_split  # noqa: E402

BATCH, LR, DROPOUT, HIDDEN = 128, 0.003, 0.4, 512
B1, B2, EPS = 0.9, 0.999, 1e-7


def data(seed):
    d = load_dataset("mnist", "sample", seed=seed)
    x, y, _, _ = seeded_split(d.x_train, d.y_train, int(round(len(d.x_train) * 0.1)), seed)
    return (x.astype("float32"), y.astype("int32"), d.x_test.astype("float32"),
            d.y_test.astype("int32"))


def glorot(key, fan_in, fan_out):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return jax.random.uniform(key, (fan_in, fan_out), jnp.float32, -limit, limit)


def init(key):
    k1, k2 = jax.random.split(key)
    return {"w1": glorot(k1, 784, HIDDEN), "b1": jnp.zeros(HIDDEN),
            "w2": glorot(k2, HIDDEN, 10), "b2": jnp.zeros(10)}


def forward(params, x, key=None):
    h = jax.nn.relu(x.reshape(x.shape[0], -1) / 255.0 @ params["w1"] + params["b1"])
    if key is not None:
        keep = jax.random.bernoulli(key, 1 - DROPOUT, h.shape)
        h = jnp.where(keep, h / (1 - DROPOUT), 0.0)
    return h @ params["w2"] + params["b2"]


def loss_fn(params, x, y, key):
    logits = forward(params, x, key)
    return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], axis=1))


@jax.jit
def train_step(params, m, v, t, x, y, key):
    t = t + 1
    loss, grads = jax.value_and_grad(loss_fn)(params, x, y, jax.random.fold_in(key, t))
    m = jax.tree.map(lambda m, g: B1 * m + (1 - B1) * g, m, grads)
    v = jax.tree.map(lambda v, g: B2 * v + (1 - B2) * g * g, v, grads)
    lr = LR * jnp.sqrt(1 - B2 ** t) / (1 - B1 ** t)
    params = jax.tree.map(lambda p, m, v: p - lr * m / (jnp.sqrt(v) + EPS), params, m, v)
    return params, m, v, t, loss


def hand_written(x, y, x_test, y_test, epochs, seed):
    key = jax.random.PRNGKey(seed)
    params = init(key)
    m = jax.tree.map(jnp.zeros_like, params)
    v = jax.tree.map(jnp.zeros_like, params)
    t = jnp.zeros((), jnp.int32)
    rng = np.random.default_rng(seed)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = rng.permutation(len(x))
        xs, ys = x[order], y[order]  # one shuffled copy per epoch, then contiguous batches
        for i in range(0, len(x), BATCH):
            params, m, v, t, loss = train_step(params, m, v, t, xs[i:i + BATCH],
                                               ys[i:i + BATCH], key)
        loss.block_until_ready()
        times.append(time.perf_counter() - start)
    accuracy = float(jnp.mean(jnp.argmax(forward(params, x_test), -1) == y_test))
    return times, accuracy


class EpochTimes(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times = getattr(self, "times", []) + [time.perf_counter() - self.start]


def with_keras(x, y, x_test, y_test, epochs, seed, steps_per_execution, per_batch=False):
    from cookbook.callbacks import DeviceReport, NaNGuard, Timing

    keras.utils.set_random_seed(seed)
    model = cookbook.recipes.mnist_dense()
    model.steps_per_execution = steps_per_execution
    timer = EpochTimes()
    more = [NaNGuard(), Timing(BATCH), DeviceReport(BATCH, verbose=0)] if per_batch else []
    model.fit(x, y, batch_size=BATCH, epochs=epochs, verbose=0, callbacks=[timer] + more)
    accuracy = model.evaluate(x_test, y_test, verbose=0, return_dict=True)["accuracy"]
    return timer.times, accuracy


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    from machine import describe

    x, y, x_test, y_test = data(args.seed)
    runs = {"hand_written_jax": lambda: hand_written(x, y, x_test, y_test, args.epochs,
                                                      args.seed),
            "keras_fit": lambda: with_keras(x, y, x_test, y_test, args.epochs, args.seed, 1),
            "keras_fit_steps_per_execution_8": lambda: with_keras(x, y, x_test, y_test,
                                                                  args.epochs, args.seed, 8),
            # What `cookbook run` adds: NaNGuard, Timing and DeviceReport look at every batch.
            "keras_fit_cookbook_callbacks": lambda: with_keras(x, y, x_test, y_test, args.epochs,
                                                               args.seed, 1, per_batch=True),
            "keras_fit_cookbook_callbacks_steps_per_execution_8": lambda: with_keras(
                x, y, x_test, y_test, args.epochs, args.seed, 8, per_batch=True)}
    results = {"machine": describe(), "jax": jax.__version__, "devices": str(jax.devices()),
               "train": len(x), "batch_size": BATCH, "epochs": args.epochs}
    for name, run in runs.items():
        best, accuracy, first = None, None, None
        for _ in range(args.repeats):
            times, accuracy = run()
            steady = float(np.mean(times[1:]))
            best = steady if best is None else min(best, steady)
            first = times[0]
        results[name] = {"seconds_per_epoch": round(best, 4), "first_epoch_seconds":
                         round(first, 3), "samples_per_second": round(len(x) / best),
                         "test_accuracy": round(float(accuracy), 4)}
        print(name, results[name], flush=True)
    floor = results["hand_written_jax"]["seconds_per_epoch"]
    for name in list(runs)[1:]:
        results[name]["ratio_to_hand_written"] = round(results[name]["seconds_per_epoch"] / floor,
                                                       2)
    print(json.dumps({k: results[k] for k in runs}, indent=2))
    with open(os.path.join(HERE, "results", "jax_loop.json"), "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
