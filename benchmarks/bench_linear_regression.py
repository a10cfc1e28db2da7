"""linear_regression vs the closed-form least-squares fit on the same seeded split, per backend.

Each backend runs `cookbook.train("linear_regression")` (the recipe's defaults) in a child
process with `KERAS_BACKEND` set; the parent fits scikit-learn's `LinearRegression` on the same
80/20 split, prints one row per run (test R², its gap to least squares, whether the target is
met, epochs, fit seconds) and writes `results/linear_regression.json`.

    python benchmarks/bench_linear_regression.py                      # all three backends
    python benchmarks/bench_linear_regression.py --backends jax --repeats 3
"""

import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from per_backend import parse_arguments, print_result, run_backend  # noqa: E402

RESULTS = os.path.join(HERE, "results", "linear_regression.json")
RECIPE = "linear_regression"


def child(seed):
    """Train the recipe on this process's backend; print its figures as one JSON line."""
    sys.path.insert(0, HERE)
    from machine import describe

    import cookbook
    from cookbook.data import load_dataset
    from sklearn.metrics import r2_score

    data = load_dataset("diabetes", "sklearn", seed=seed)
    with tempfile.TemporaryDirectory() as out:
        run = cookbook.train(RECIPE, out=os.path.join(out, "run"),
                             overrides={"fit.seed": seed}, verbose=0)
        predictions = run.model.predict(data.x_test, verbose=0)[:, 0]
    m = run.metrics
    print_result({
        "r2": float(r2_score(data.y_test, predictions)), "keras_r2_metric": m["test"]["r2"],
        "epochs": m["epochs"], "fit_seconds": m["fit_seconds"],
        "train_rows": m["data"]["train"], "validation_rows": m["data"]["validation"],
        "machine": describe()})


def main():
    args = parse_arguments(__doc__)
    if args.child:
        return child(args.seed)

    import cookbook
    from cookbook.data import load_dataset
    from sklearn.linear_model import LinearRegression
    from sklearn.metrics import r2_score

    target = cookbook.get_recipe(RECIPE).targets[0]
    data = load_dataset("diabetes", "sklearn", seed=args.seed)
    start = time.perf_counter()
    reference = LinearRegression().fit(data.x_train, data.y_train)
    ref_seconds = time.perf_counter() - start
    ref_r2 = float(r2_score(data.y_test, reference.predict(data.x_test)))

    described = (f"scikit-learn diabetes, shuffled 80/20 split (seed {args.seed}): "
                 f"{len(data.x_train)} train / {len(data.x_test)} test")
    print(f"{RECIPE} defaults vs least squares; {described}")
    print(f"target: {target.describe()}: R² >= {ref_r2 - target.at_least:.4f}")
    header = (f"{'backend':<11} {'test R²':>8} {'vs LS':>8} {'target':>7} {'epochs':>6} "
              f"{'fit s':>6} {'process s':>9}  rows (train/validation)")
    print(header)
    runs = []
    for backend in args.backends:
        for _ in range(args.repeats):
            row = run_backend(__file__, backend, args.seed, args.timeout)
            runs.append(row)
            if "error" in row:
                print(f"{backend:<11} failed: {row['error']}", flush=True)
                continue
            row["vs_least_squares"] = round(row["r2"] - ref_r2, 4)
            row["met"] = bool(target.met(row["r2"], ref_r2))
            print(f"{backend:<11} {row['r2']:>8.4f} {row['vs_least_squares']:>+8.4f} "
                  f"{'met' if row['met'] else 'MISSED':>7} {row['epochs']:>6} "
                  f"{row['fit_seconds']:>6.2f} {row['process_seconds']:>9.1f}  "
                  f"{row['train_rows']}/{row['validation_rows']}", flush=True)
    print(f"{'least sq.':<11} {ref_r2:>8.4f} {'':>8} {'':>7} {'':>6} {ref_seconds:>6.3f}"
          "            scikit-learn LinearRegression, closed form")

    machine = next((r.pop("machine") for r in runs if "machine" in r), {})
    for r in runs:
        r.pop("machine", None)
    machine.pop("backend", None)
    result = {
        "data": described,
        "target": target.describe(),
        "runs": runs,
        "reference": {"name": "scikit-learn LinearRegression (closed-form least squares)",
                      "r2": ref_r2, "fit_seconds": round(ref_seconds, 4)},
        "machine": machine,
    }
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    with open(RESULTS, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    return 1 if any(not r.get("met") for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
