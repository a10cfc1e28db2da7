"""Each recipe on each Keras backend: test accuracy against its target, fit time, throughput.

Every cell is a whole `cookbook run <recipe> --quiet` in a child process with `KERAS_BACKEND`
set, same seed, same data, the recipe's defaults (plus any `--set`); the numbers come from the
run's `metrics.json`: the test metric, `fit_seconds` (the whole `fit`, validation and
compilation included) and the steady-state training samples per second of
`cookbook.callbacks.DeviceReport` (first compiled call left out).

    python benchmarks/bench_backends.py                       # offline data, all backends
    python benchmarks/bench_backends.py --imdb ../shared/data/imdb_reviews_dev.csv.gz \\
        --recipes imdb_lstm bow_mlp
    python benchmarks/bench_backends.py --recipes mnist_dense --label spe8 \\
        --set fit.steps_per_execution=8                       # an option, measured
    python benchmarks/bench_backends.py --table               # print the README table

Results accumulate in `results/backends.json` under `label/backend/recipe`.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results", "backends.json")
BACKENDS = ("tensorflow", "jax", "torch")



def measured_targets():
    """`{recipe: Target}`: each recipe's target that can be measured here (it names a `--data`
    source), from the registry, the one place targets are defined."""
    import cookbook

    targets = {}
    for name in cookbook.list_recipes():
        here = [t for t in cookbook.get_recipe(name).targets if t.source]
        if here:
            targets[name] = here[0]
    return targets


def least_squares_r2(seed=0):
    """Test R² of scikit-learn's least squares on the split `linear_regression` trains on."""
    from sklearn.linear_model import LinearRegression

    from cookbook.data import load_dataset

    data = load_dataset("diabetes", "sklearn", seed=seed)
    return float(LinearRegression().fit(data.x_train, data.y_train).score(data.x_test,
                                                                          data.y_test))


# Baselines a target is relative to, measured in the same run.
REFERENCES = {"least squares": least_squares_r2}
CELLS = measured_targets()


def run_cell(recipe, backend, data, sets, timeout):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "run")
        cmd = [sys.executable, "-m", "cookbook", "run", recipe, "--quiet", "--data", data,
               "--out", out] + [a for s in sets for a in ("--set", s)]
        env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
        start = time.perf_counter()
        try:
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"error": f"over {timeout} s"}
        wall = time.perf_counter() - start
        if proc.returncode:
            return {"error": (proc.stderr.strip().splitlines() or ["?"])[-1][:300]}
        with open(os.path.join(out, "metrics.json")) as f:
            m = json.load(f)
    target = CELLS[recipe]
    reference = REFERENCES[target.reference]() if target.reference else None
    value = m["test"][target.metric]
    return {
        "metric": target.metric, "value": round(value, 4), "target": target.describe(),
        "reference": reference, "met": target.met(value, reference), "epochs": m["epochs"],
        "fit_seconds": m["fit_seconds"], "process_seconds": round(wall, 1),
        "samples_per_second": m["device"]["samples_per_second"],
        "first_call_seconds": m["device"]["first_call_seconds"],
        "host_peak_memory_mib": m["device"]["host_peak_memory_mib"],
        "devices": [d["model"] for d in m["device"]["devices"]],
        "jit_compile": m["device"]["jit_compile"],
        "steps_per_execution": m["device"]["steps_per_execution"],
        "precision": m["precision"], "data": m["data"]["source"], "train": m["data"]["train"],
    }


def table(results, label):
    rows = results.get(label, {})
    recipes = [r for r in CELLS if any(r in rows.get(b, {}) for b in BACKENDS)]
    backends = [b for b in BACKENDS if b in rows]
    lines = ["| recipe | target | " + " | ".join(backends) + " |",
             "|---|---|" + "---|" * len(backends)]
    for recipe in recipes:
        cells = []
        for b in backends:
            c = rows[b].get(recipe)
            if c is None:
                cells.append("not run")
            elif "error" in c:
                cells.append("failed: " + c["error"].removeprefix("cookbook: error: ")
                             .split(";")[0])
            else:
                cells.append(f"{c['value']:.3f}{'' if c['met'] else ' (missed)'}, "
                             f"{c['fit_seconds']:.0f} s, {c['samples_per_second']:,.0f}/s")
        lines.append(f"| {recipe} | {CELLS[recipe].describe()} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", nargs="+", default=[r for r in CELLS
                                                         if CELLS[r].source != "imdb"])
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS))
    parser.add_argument("--imdb", help="reviews CSV for imdb_lstm and bow_mlp")
    parser.add_argument("--set", action="append", default=[], help="passed to cookbook run")
    parser.add_argument("--label", default="defaults", help="results key, e.g. the option set")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    parser.add_argument("--table", action="store_true", help="print the table for --label")
    args = parser.parse_args()

    results = json.load(open(RESULTS)) if os.path.exists(RESULTS) else {}
    if args.table:
        print(table(results, args.label))
        return
    sys.path.insert(0, HERE)
    from machine import describe

    for recipe in args.recipes:
        data = CELLS[recipe].source
        if data == "imdb":
            if not args.imdb:
                parser.error(f"{recipe} needs --imdb REVIEWS.csv[.gz]")
            data = args.imdb
        for backend in args.backends:
            cell = run_cell(recipe, backend, data, args.set, args.timeout)
            cell["set"] = args.set
            results.setdefault(args.label, {}).setdefault(backend, {})[recipe] = cell
            results.setdefault("machine", describe())
            print(f"{args.label} {backend} {recipe}: {json.dumps(cell)}", flush=True)
            os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
            with open(RESULTS, "w") as f:
                json.dump(results, f, indent=2)
                f.write("\n")
    print(table(results, args.label))


if __name__ == "__main__":
    main()
