"""ONNX and LiteRT exports of every recipe: file size, parity with Keras, one-example latency.

Each recipe is trained for one epoch with its default hyper-parameters (`cookbook run`, a fresh
process each), then exported with `cookbook export --format onnx` and `--format litert` (each
checked in the command by its runtime; the difference it prints is recorded). Latency: the
median of `--repeats` calls on one of the run's saved examples, through the runtime
(`cookbook.export_portable.Runtime`, onnxruntime or ai-edge-litert) and through Keras'
`model.predict` and a direct `model(x)` call, in the same process, TensorFlow backend.

Data as in bench_probe.py: scikit-learn's sets, the 5,000 MNIST digits of `sample`, the first
`--reviews` reviews of the IMDB development CSV, random images of the real shapes for CIFAR-10
(2,000) and cats vs dogs (80 photos of 320x240). The weights after one epoch do not change the
size, the parity or the latency being measured.

    python benchmarks/bench_export.py [--reviews 2000] [--repeats 50]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench_probe import IMDB, image_folders, reviews, run  # noqa: E402
from machine import describe  # noqa: E402


def export(run_dir, out, fmt):
    proc = subprocess.run([sys.executable, "-m", "cookbook", "export", run_dir, "--out", out,
                           "--format", fmt], capture_output=True, text=True)
    if proc.returncode:
        return None, proc.stderr.strip().splitlines()[-1]
    line = proc.stdout.strip().splitlines()[-1]
    return float(line.rsplit("max abs difference ", 1)[1]), line


def median_ms(call, repeats):
    call()  # warm-up (compilation, allocation)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return round(1000 * statistics.median(times), 3)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--imdb", default=IMDB)
    args = parser.parse_args()
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")

    from cookbook.export_portable import Runtime, file_name
    from cookbook.run_dir import RunDir

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        texts = reviews(args.imdb, os.path.join(tmp, "reviews.csv"), args.reviews)
        data = {"logistic_regression": "sklearn", "linear_regression": "sklearn",
                "mnist_dense": "sample", "mnist_cnn": "sample",
                "cifar10_cnn": image_folders(os.path.join(tmp, "cifar"), 2000, (32, 32)),
                "cats_vs_dogs_cnn": image_folders(os.path.join(tmp, "photos"), 80, (320, 240)),
                "imdb_lstm": texts, "bow_mlp": texts, "imdb_transformer": texts}
        for recipe, source in data.items():
            out = os.path.join(tmp, "runs", recipe)
            run(recipe, source, 1, out)
            run_dir = RunDir(out)
            model, tokenizer = run_dir.load_model(), run_dir.tokenizer()
            example = run_dir.examples()[:1]
            x = tokenizer.transform(example) if tokenizer else np.asarray(example, "float32")
            keras_predict = median_ms(lambda: model.predict(x, verbose=0), args.repeats)
            keras_call = median_ms(lambda: model(x, training=False), args.repeats)
            for fmt in ("onnx", "litert"):
                diff, line = export(out, os.path.join(tmp, "exports", fmt), fmt)
                row = {"recipe": recipe, "format": fmt, "max_abs_diff": diff,
                       "keras_predict_ms": keras_predict, "keras_call_ms": keras_call}
                if diff is None:
                    row["error"] = line
                else:
                    path = os.path.join(tmp, "exports", fmt, recipe, "1", file_name(fmt))
                    runtime = Runtime(path)
                    row["size_kib"] = round(os.path.getsize(path) / 1024, 1)
                    row["runtime_ms"] = median_ms(lambda: runtime(x), args.repeats)
                rows.append(row)
                print(json.dumps(row), flush=True)
    result = {"machine": describe(), "reviews": args.reviews, "repeats": args.repeats,
              "rows": rows}
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "export.json"), "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
