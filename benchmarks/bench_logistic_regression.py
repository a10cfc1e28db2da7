"""logistic_regression vs scikit-learn's scaled LogisticRegression on the same seeded split."""

import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from machine import describe  # noqa: E402

import cookbook  # noqa: E402
from cookbook.data import load_dataset  # noqa: E402


def main(seed=0):
    data = load_dataset("breast_cancer", seed=seed)
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    start = time.perf_counter()
    reference = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    reference.fit(data.x_train, data.y_train)
    ref_seconds = time.perf_counter() - start
    ref_acc = float(reference.score(data.x_test, data.y_test))

    with tempfile.TemporaryDirectory() as out:
        run = cookbook.train("logistic_regression", out=os.path.join(out, "run"),
                             overrides={"fit.seed": seed}, verbose=0)
    result = {
        "data": f"scikit-learn breast cancer, stratified 80/20 split (seed {seed}): "
                f"{len(data.x_train)} train / {len(data.x_test)} test",
        "recipe": {"accuracy": run.metrics["test"]["accuracy"],
                   "fit_seconds": run.metrics["fit_seconds"], "epochs": run.metrics["epochs"]},
        "reference": {"name": "scikit-learn StandardScaler + LogisticRegression",
                      "accuracy": ref_acc, "fit_seconds": round(ref_seconds, 3)},
        "machine": describe(),
    }
    print(json.dumps(result, indent=2))
    path = os.path.join(os.path.dirname(__file__), "results", "logistic_regression.json")
    with open(path, "w") as f:
        json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
