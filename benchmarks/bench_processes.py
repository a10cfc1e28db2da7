"""Training in one process against two local processes (`cookbook run --processes 2`).

For each backend (JAX: `keras.distribution`; TensorFlow: `MultiWorkerMirroredStrategy`) and
recipe, on the offline MNIST sample with the same global batch: epochs, the training loss of each
epoch and the steady samples per second that `metrics.json` records, one process then two, one
after the other in the same run (each a fresh `cookbook run`).

Usage: python benchmarks/bench_processes.py [--backend jax] [--recipe mnist_dense] [--epochs 3]
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from machine import describe  # noqa: E402

RECIPES = {"mnist_dense": 3, "mnist_cnn": 2}  # recipe: epochs


BACKENDS = ("jax", "tensorflow")


def run(backend, recipe, epochs, processes, out):
    args = [sys.executable, "-m", "cookbook", "run", recipe, "--data", "sample", "--quiet",
            "--set", f"fit.epochs={epochs}", "--set", "fit.early_stopping_patience=0",
            "--out", out]
    if processes > 1:
        args += ["--processes", str(processes)]
    env = {**os.environ, "KERAS_BACKEND": backend}
    done = subprocess.run(args, capture_output=True, text=True, env=env)
    if done.returncode:
        sys.exit(f"{' '.join(args[2:])} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    with open(os.path.join(out, "metrics.json")) as f:
        metrics = json.load(f)
    with open(os.path.join(out, "history.csv"), newline="") as f:
        losses = [round(float(row["loss"]), 4) for row in csv.DictReader(f)]
    return {"processes": processes, "devices": metrics["distribute"]["replicas"],
            "epochs": metrics["epochs"], "loss": losses,
            "samples_per_second": metrics["samples_per_second"],
            "fit_seconds": metrics["fit_seconds"], "test": metrics["test"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", action="append", choices=BACKENDS)
    parser.add_argument("--recipe", action="append", choices=sorted(RECIPES))
    parser.add_argument("--epochs", type=int, help="epochs for every recipe")
    args = parser.parse_args()
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backend or BACKENDS:
            for recipe in args.recipe or list(RECIPES):
                epochs = args.epochs or RECIPES[recipe]
                rows.setdefault(backend, {})[recipe] = [
                    run(backend, recipe, epochs, n, os.path.join(tmp, f"{backend}-{recipe}-{n}"))
                    for n in (1, 2)]
    print("| backend | recipe | processes | epochs | loss per epoch | samples/s | fit s "
          "| test accuracy |")
    print("|---|---|---|---|---|---|---|---|")
    for backend, recipes in rows.items():
        for recipe, results in recipes.items():
            for r in results:
                print(f"| {backend} | {recipe} | {r['processes']} | {r['epochs']} | "
                      f"{', '.join(f'{v:.4f}' for v in r['loss'])} | "
                      f"{r['samples_per_second']:.0f} | {r['fit_seconds']:.1f} | "
                      f"{r['test']['accuracy']:.4f} |")
    path = os.path.join(os.path.dirname(__file__), "results", "processes.json")
    with open(path, "w") as f:
        machine = {k: v for k, v in describe().items() if k != "backend"}
        json.dump({"machine": dict(machine, backends=list(rows)), "rows": rows}, f, indent=2)


if __name__ == "__main__":
    main()
