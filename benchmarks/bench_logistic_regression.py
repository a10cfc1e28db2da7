"""logistic_regression vs scikit-learn's scaled LogisticRegression on the same seeded split, per
backend.

Each backend runs `cookbook.train("logistic_regression")` (the recipe's defaults) in a child
process with `KERAS_BACKEND` set; the parent fits scikit-learn's `StandardScaler` +
`LogisticRegression` on the same stratified 80/20 split, prints one row per run (test accuracy,
whether the target is met, epochs, fit seconds) and writes `results/logistic_regression.json`.

    python benchmarks/bench_logistic_regression.py                    # all three backends
    python benchmarks/bench_logistic_regression.py --backends torch --repeats 3
"""

import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from per_backend import (COMMON_HEADER, parse_arguments, print_result, run_all,  # noqa: E402
                         write_results)

RESULTS = os.path.join(HERE, "results", "logistic_regression.json")
RECIPE = "logistic_regression"


def child(seed):
    """Train the recipe on this process's backend; print its figures as one JSON line."""
    sys.path.insert(0, HERE)
    from machine import describe

    import cookbook

    with tempfile.TemporaryDirectory() as out:
        run = cookbook.train(RECIPE, out=os.path.join(out, "run"),
                             overrides={"fit.seed": seed}, verbose=0)
    m = run.metrics
    print_result({
        "accuracy": m["test"]["accuracy"], "loss": m["test"]["loss"], "epochs": m["epochs"],
        "fit_seconds": m["fit_seconds"], "train_rows": m["data"]["train"],
        "validation_rows": m["data"]["validation"], "machine": describe()})


def main():
    args = parse_arguments(__doc__)
    if args.child:
        return child(args.seed)

    import cookbook
    from cookbook.data import load_dataset
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    target = cookbook.get_recipe(RECIPE).targets[0]
    data = load_dataset("breast_cancer", "sklearn", seed=args.seed)
    start = time.perf_counter()
    reference = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    reference.fit(data.x_train, data.y_train)
    ref_seconds = time.perf_counter() - start
    ref_acc = float(reference.score(data.x_test, data.y_test))

    described = (f"scikit-learn breast cancer, stratified 80/20 split (seed {args.seed}): "
                 f"{len(data.x_train)} train / {len(data.x_test)} test")
    print(f"{RECIPE} defaults vs scikit-learn; {described}")
    print(f"target: {target.describe()}")
    print(f"{'backend':<11} {'accuracy':>8} {'errors':>6} {COMMON_HEADER}")

    def finish(row):
        row["errors"] = round((1 - row["accuracy"]) * len(data.y_test))
        row["met"] = bool(target.met(row["accuracy"]))
        return f"{row['accuracy']:>8.4f} {row['errors']:>6}"

    runs = run_all(__file__, args, finish)
    ref_errors = round((1 - ref_acc) * len(data.y_test))
    print(f"{'scikit-l.':<11} {ref_acc:>8.4f} {ref_errors:>6} {'':>7} {'':>6} "
          f"{ref_seconds:>6.3f}            StandardScaler + LogisticRegression (C=1)")
    return write_results(
        RESULTS, runs, data=described, target=target.describe(),
        reference={"name": "scikit-learn StandardScaler + LogisticRegression",
                   "accuracy": ref_acc, "fit_seconds": round(ref_seconds, 3)})


if __name__ == "__main__":
    sys.exit(main())
