"""How fast the command line answers, each command a fresh process, against references run
in the same session:

- what needs no training: `cookbook list`, `--help`, argument errors, and the refusals of bad
  input that are checked before Keras starts (a CSV with the wrong header, a missing data file,
  a finished `--out`, a bad `--set`), against a bare `python -c pass`;
- `cookbook predict` on one image of a small trained run, against a bare Keras load of the
  same `model.keras` and a prediction (`python -c "import keras; ..."`);
- the floor both sit on: `import keras` on each backend installed, and cookbook's own share
  (`import cookbook.cli`).

Usage: python benchmarks/bench_cli.py [--repeat 7]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from machine import describe  # noqa: E402

COMMANDS = {
    "python -c pass (reference)": [sys.executable, "-c", "pass"],
    "cookbook list": [sys.executable, "-m", "cookbook", "list"],
    "cookbook --help": [sys.executable, "-m", "cookbook", "--help"],
    "cookbook run no_such_recipe": [sys.executable, "-m", "cookbook", "run", "no_such_recipe"],
    "cookbook run mnist_dense --seed -1": [sys.executable, "-m", "cookbook", "run",
                                           "mnist_dense", "--seed", "-1"],
    "cookbook run mnist_dense --set fit.batch_size=0": [
        sys.executable, "-m", "cookbook", "run", "mnist_dense", "--set", "fit.batch_size=0"],
}


BARE_PREDICT = (
    "import sys, numpy as np, keras\n"
    "from PIL import Image\n"
    "model = keras.saving.load_model(sys.argv[1])\n"
    "x = np.asarray(Image.open(sys.argv[2]).convert('L'), 'float32')[None]\n"
    "print(model.predict(x, verbose=0).argmax())\n")


def refusals(tmp):
    """Commands that must be refused before Keras starts, with the files they need."""
    import numpy as np
    from PIL import Image

    bad_csv = os.path.join(tmp, "wrong_header.csv")
    with open(bad_csv, "w") as f:
        f.write("text,label\na fine film,positive\n")
    run = os.path.join(tmp, "run")
    subprocess.run([sys.executable, "-m", "cookbook", "run", "mnist_dense", "--data", "sample",
                    "--quiet", "--set", "fit.epochs=1", "--set", "model.hidden_units=[16]",
                    "--out", run], check=True, capture_output=True)
    digit = os.path.join(tmp, "digit.png")
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(digit)
    cookbook = [sys.executable, "-m", "cookbook"]
    commands = {
        "cookbook run imdb_lstm --data wrong_header.csv": cookbook + [
            "run", "imdb_lstm", "--data", bad_csv, "--out", os.path.join(tmp, "r1")],
        "cookbook run mnist_dense --data missing.npz": cookbook + [
            "run", "mnist_dense", "--data", os.path.join(tmp, "missing.npz")],
        "cookbook run mnist_dense --out FINISHED_RUN": cookbook + [
            "run", "mnist_dense", "--out", run],
        "cookbook run mnist_dense --set fit.epochs=zero": cookbook + [
            "run", "mnist_dense", "--set", "fit.epochs=zero"],
    }
    predict = {
        "bare Keras: load model.keras, predict one image (reference)": [
            sys.executable, "-c", BARE_PREDICT, os.path.join(run, "model.keras"), digit],
        "cookbook predict RUN digit.png": cookbook + ["predict", run, digit],
    }
    return commands, predict


def imports():
    """`python -c "import X"` for the floor: each installed backend's Keras, and cookbook's
    command line."""
    import importlib.util

    rows = {}
    for backend in ("tensorflow", "jax", "torch"):
        if importlib.util.find_spec(backend) is not None:
            rows[f"KERAS_BACKEND={backend} python -c 'import keras'"] = (
                [sys.executable, "-c", "import keras"], {"KERAS_BACKEND": backend})
    rows["python -c 'import cookbook.cli'"] = ([sys.executable, "-c", "import cookbook.cli"], {})
    return rows


def seconds(argv, repeat, env=None):
    """Median wall-clock seconds of `repeat` runs of `argv` (after one warm-up run)."""
    times = []
    for i in range(repeat + 1):
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, env={**os.environ, **(env or {})})
        if i:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    rows = {name: seconds(argv, args.repeat) for name, argv in COMMANDS.items()}
    with tempfile.TemporaryDirectory() as tmp:
        commands, predict = refusals(tmp)
        rows.update({name: seconds(argv, args.repeat) for name, argv in commands.items()})
        rows.update({name: seconds(argv, args.repeat) for name, argv in predict.items()})
    rows.update({name: seconds(argv, args.repeat, env)
                 for name, (argv, env) in imports().items()})
    print("| command | median seconds |\n|---|---|")
    for name, value in rows.items():
        print(f"| `{name}` | {value:.3f} |")
    bare, ours = (rows[name] for name in predict)
    print(f"cookbook predict / bare Keras: {ours / bare:.2f}")
    result = {"machine": describe(), "repeat": args.repeat, "seconds": rows,
              "predict_over_bare_keras": round(ours / bare, 3)}
    path = os.path.join(os.path.dirname(__file__), "results", "cli.json")
    with open(path, "w") as f:
        json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
