"""The plots and the one-page `report.md` of a finished run."""

import os

import numpy as np

from cookbook import atomic
from cookbook.run_dir import CONFUSION_FILE, MISTAKES_FILE, PREDICTIONS_FILE, REPORT_FILE


def save_figure(fig, path):
    with atomic.atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100)


def write_run_plots(out, model, task, test, raw_x_test, class_names):
    """Confusion matrix, sample predictions and mistakes for a classifier's test split.

    Args:
        test: the test split as `cookbook.data.pipeline.Batches` (in its stored order).
        raw_x_test: the test inputs as loaded: texts, or images (an array or `ImageFiles`).

    Returns:
        `(plots, mistakes)`: the PNG file names written and, for text, the most confidently
        wrong reviews.
    """
    from cookbook import plotting

    if task != "classification":
        return [], []
    probs = model.predict(test, verbose=0)
    y_test = test.labels()
    predicted = plotting.predicted_classes(probs)[0]
    save_figure(plotting.plot_confusion_matrix(y_test, predicted, class_names),
                os.path.join(out, CONFUSION_FILE))
    plots, mistakes = [CONFUSION_FILE], []
    images = test.x  # pixels as the model takes them; files are read only for the few shown
    if isinstance(raw_x_test, np.ndarray) and raw_x_test.dtype.kind in "OSU":
        mistakes = plotting.confident_mistakes(raw_x_test[test.indices], y_test, probs,
                                               class_names)
    elif len(images.shape) >= 3:
        shown = _Subset(images, test.indices)
        save_figure(plotting.plot_image_predictions(shown, y_test, probs, class_names),
                    os.path.join(out, PREDICTIONS_FILE))
        save_figure(plotting.plot_image_predictions(shown, y_test, probs, class_names,
                                                    mistakes=True),
                    os.path.join(out, MISTAKES_FILE))
        plots += [PREDICTIONS_FILE, MISTAKES_FILE]
    return plots, mistakes


class _Subset:
    """`source[indices[i]]` for one `i` at a time, read when asked."""

    def __init__(self, source, indices):
        self.source, self.indices = source, indices

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, i):
        return np.asarray(self.source[self.indices[i:i + 1]])[0]


def write_report(out, config, metrics, plots, mistakes):
    """A markdown page with the config, the metrics and the plots of a run."""
    lines = [f"# {config.recipe}", "",
             f"Data: {metrics['data']['source']} ({metrics['data']['train']} train, "
             f"{metrics['data']['validation']} validation, {metrics['data']['test']} test); "
             f"backend {metrics['backend']}, Keras {metrics['keras_version']}.", "",
             "## Test metrics", "", "| metric | value |", "|---|---|"]
    lines += [f"| {k} | {v:.4f} |" for k, v in metrics["test"].items()]
    lines += [f"| epochs | {metrics['epochs']} |", f"| fit seconds | {metrics['fit_seconds']} |",
              f"| samples per second | {metrics['samples_per_second']} |"]
    stopped = metrics.get("early_stopping")
    if stopped:
        when = (f"stopped after epoch {stopped['stopped_after_epoch']}, "
                if stopped["stopped_after_epoch"] else "")
        lines += [f"| early stopping | {when}kept the weights of epoch {stopped['kept_epoch']} "
                  f"({stopped['monitor']} {stopped['best']:.4f}) |"]
    if "lr_finder" in metrics:
        lines += [f"| learning rate (LR finder) | {metrics['lr_finder']['suggested']:.3g} |"]
    lines += ["", "## Config", "", "| key | value |", "|---|---|"]
    for section, values in config.to_dict().items():
        if isinstance(values, dict):
            lines += [f"| {section}.{k} | `{v}` |" for k, v in values.items()]
    lines += ["", "## Plots", ""]
    lines += [f"![{p[:-4].replace('_', ' ')}]({p})" for p in plots]
    if mistakes:
        lines += ["", "## Most confident mistakes", "", "| true | predicted | confidence | text |",
                  "|---|---|---|---|"]
        lines += [f"| {m['true']} | {m['predicted']} | {m['confidence']:.3f} | "
                  f"{m['text'].replace('|', '/')} |" for m in mistakes]
    atomic.write_text(os.path.join(out, REPORT_FILE), "\n".join(lines) + "\n")
