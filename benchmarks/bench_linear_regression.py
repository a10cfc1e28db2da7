"""linear_regression vs the closed-form least-squares fit on the same seeded split."""

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
    data = load_dataset("diabetes", seed=seed)
    from sklearn.linear_model import LinearRegression
    from sklearn.metrics import r2_score

    start = time.perf_counter()
    reference = LinearRegression().fit(data.x_train, data.y_train)
    ref_seconds = time.perf_counter() - start
    ref_r2 = float(r2_score(data.y_test, reference.predict(data.x_test)))

    with tempfile.TemporaryDirectory() as out:
        run = cookbook.train("linear_regression", out=os.path.join(out, "run"),
                             overrides={"fit.seed": seed}, verbose=0)
        predictions = run.model.predict(data.x_test, verbose=0)[:, 0]
    result = {
        "data": f"scikit-learn diabetes, shuffled 80/20 split (seed {seed}): "
                f"{len(data.x_train)} train / {len(data.x_test)} test",
        "recipe": {"r2": float(r2_score(data.y_test, predictions)),
                   "keras_r2_metric": run.metrics["test"]["r2"],
                   "fit_seconds": run.metrics["fit_seconds"], "epochs": run.metrics["epochs"]},
        "reference": {"name": "scikit-learn LinearRegression (closed-form least squares)",
                      "r2": ref_r2, "fit_seconds": round(ref_seconds, 4)},
        "machine": describe(),
    }
    print(json.dumps(result, indent=2))
    path = os.path.join(os.path.dirname(__file__), "results", "linear_regression.json")
    with open(path, "w") as f:
        json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
