"""Writing a trained run's results: `model.keras`, the plots, `report.md`, `metrics.json`.

`metrics.json` is written last, so a run directory is finished exactly when it exists; what
goes into it is decided in `run_metrics`.
"""

import json
import os

from cookbook import atomic, report, run_dir
from cookbook.data.fingerprint import fingerprint
from cookbook.report import save_figure


def run_metrics(*, config, spec, data, fitted, scores, history, split_sizes, distribution,
                lr_finder=None):
    """The content of `metrics.json`.

    Args:
        config: the run's `RunConfig`.
        spec: the recipe's registry entry.
        data: the loaded splits (source and class names are recorded).
        fitted: `cookbook.fitting.Fitted`.
        scores: test metrics, `{name: value}`.
        history: the whole run's history, `{column: [one value per epoch]}`.
        split_sizes: examples per split, `{"train": ..., "validation": ..., "test": ...}`.
        distribution: how batches were spread over devices (`cookbook.distribute`).
        lr_finder: the `LRFinder` of `--find-lr`, if it ran.
    """
    import keras

    device = fitted.device_report.summary()
    metrics = {
        "recipe": config.recipe,
        "test": {k: float(v) for k, v in scores.items()},
        # Every part of a resumed run counts.
        "fit_seconds": round(device["fit_seconds"] + fitted.backup.previous_seconds, 3),
        "parts": fitted.backup.parts,
        "train_seconds": device["train_seconds"],
        # Steady training throughput: compilation and end-of-epoch work left out.
        "samples_per_second": device["samples_per_second"],
        "steps_per_execution": fitted.steps_per_execution,
        "epochs": len(next(iter(history.values()), [])),
        "early_stopping": (fitted.early_stopping.summary()
                           if fitted.early_stopping is not None else None),
        "data": {"dataset": data.name, "source": data.source,
                 "fingerprint": fingerprint(data.source),
                 **({"requested": config.data.source} if config.data.source != data.source
                    else {}),
                 **split_sizes, "class_names": list(data.class_names)},
        "distribute": distribution,
        "precision": config.fit.precision,
        "device": device,
        "backend": keras.backend.backend(),
        "keras_version": keras.__version__,
    }
    if lr_finder is not None:
        metrics["lr_finder"] = {"suggested": lr_finder.suggestion,
                                "configured": config.model.get("learning_rate")}
    return metrics


def write_results(out, *, config, spec, model, metrics, history, test, raw_x_test, class_names,
                  lr_finder=False):
    """Save the model, the plots and the report into `out`, then `metrics.json`.

    Args:
        out: the run directory.
        config: the run's `RunConfig`.
        spec: the recipe's registry entry (its task chooses the plots).
        model: the trained model.
        metrics: `run_metrics(...)`.
        history: the whole run's history.
        test: the test `Batches`.
        raw_x_test: the test inputs as loaded (for pictures of predictions and mistakes).
        class_names: the name of each class id (empty for regression).
        lr_finder: whether `lr_finder.png` was written.
    """
    import tomli_w

    from cookbook.plotting import plot_history

    with atomic.atomic_path(os.path.join(out, run_dir.MODEL_FILE)) as tmp:
        model.save(tmp)
    save_figure(plot_history(history, config.recipe), os.path.join(out, run_dir.CURVES_FILE))
    plots, texts = report.write_run_plots(out, model, spec.task, test, raw_x_test, class_names)
    plots = [run_dir.CURVES_FILE] + plots + ([run_dir.LR_FINDER_FILE] if lr_finder else [])
    report.write_report(out, config, metrics, plots, texts)
    used = metrics["data"]["source"]
    if config.data.source != used:  # "auto" as asked; what it found, once the run is done
        settings = config.to_dict()
        settings["data"]["source"] = used
        atomic.write_text(os.path.join(out, run_dir.CONFIG_FILE), tomli_w.dumps(settings))
    atomic.write_text(os.path.join(out, run_dir.METRICS_FILE),
                      json.dumps(metrics, indent=2) + "\n")
