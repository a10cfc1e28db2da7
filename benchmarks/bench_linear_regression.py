"""linear_regression vs the closed-form least-squares fit on the same seeded split, per backend.

Each backend runs `cookbook.train("linear_regression")` (the recipe's defaults) in a child
process with `KERAS_BACKEND` set; the parent fits scikit-learn's `LinearRegression` on the same
80/20 split, prints one row per run (test R², its gap to least squares, whether the target is
met, epochs, fit seconds) and writes `results/linear_regression.json`.

    python benchmarks/bench_linear_regression.py                      # all three backends
    python benchmarks/bench_linear_regression.py --backends jax --repeats 3
"""

import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from per_backend import (COMMON_HEADER, parse_arguments, print_result, run_all,  # noqa: E402
                         write_results)

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
    print(f"{'backend':<11} {'test R²':>8} {'vs LS':>8} {COMMON_HEADER}")

    def finish(row):
        row["vs_least_squares"] = round(row["r2"] - ref_r2, 4)
        row["met"] = bool(target.met(row["r2"], ref_r2))
        return f"{row['r2']:>8.4f} {row['vs_least_squares']:>+8.4f}"

    runs = run_all(__file__, args, finish)
    print(f"{'least sq.':<11} {ref_r2:>8.4f} {'':>8} {'':>7} {'':>6} {ref_seconds:>6.3f}"
          "            scikit-learn LinearRegression, closed form")
    return write_results(
        RESULTS, runs, data=described, target=target.describe(),
        reference={"name": "scikit-learn LinearRegression (closed-form least squares)",
                   "r2": ref_r2, "fit_seconds": round(ref_seconds, 4)})


if __name__ == "__main__":
    sys.exit(main())
