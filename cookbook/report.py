"""The plots and the one-page `report.md` of a finished run."""

import os

import numpy as np

from cookbook import atomic
from cookbook.answers import class_name
from cookbook.run_dir import (ATTENTION_FILE, CONFUSION_FILE, MISTAKES_FILE, PREDICTIONS_FILE,
                              REPORT_FILE)


def save_figure(fig, path):
    with atomic.atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100)


def write_run_plots(out, model, task, test, raw_x_test, class_names):
    """Confusion matrix, sample predictions and mistakes for a classifier's test split.

    Args:
        test: the test split as `cookbook.data.pipeline.Batches` (in its stored order).
        raw_x_test: the test inputs as loaded: texts, or images (an array or `ImageFiles`).

    Returns:
        `(plots, texts)`: the PNG file names written and, for text, `{"mistakes": the most
        confidently wrong reviews, "attention": attended_words(...) or None}`.
    """
    from cookbook import plotting

    if task != "classification":
        return [], {}
    probs = model.predict(test, verbose=0)
    y_test = test.labels()
    predicted = plotting.predicted_classes(probs)[0]
    save_figure(plotting.plot_confusion_matrix(y_test, predicted, class_names),
                os.path.join(out, CONFUSION_FILE))
    plots, texts = [CONFUSION_FILE], {}
    images = test.x  # pixels as the model takes them; files are read only for the few shown
    if isinstance(raw_x_test, np.ndarray) and raw_x_test.dtype.kind in "OSU":
        reviews = raw_x_test[test.indices]
        texts["mistakes"] = plotting.confident_mistakes(reviews, y_test, probs, class_names)
        if has_attention(model):
            texts["attention"] = attended_words(model, _Subset(test.x, test.indices), reviews,
                                                y_test, probs, class_names)
        if texts.get("attention"):
            save_figure(plotting.plot_attention(texts["attention"]),
                        os.path.join(out, ATTENTION_FILE))
            plots.append(ATTENTION_FILE)
    elif len(images.shape) >= 3:
        shown = _Subset(images, test.indices)
        save_figure(plotting.plot_image_predictions(shown, y_test, probs, class_names),
                    os.path.join(out, PREDICTIONS_FILE))
        save_figure(plotting.plot_image_predictions(shown, y_test, probs, class_names,
                                                    mistakes=True),
                    os.path.join(out, MISTAKES_FILE))
        plots += [PREDICTIONS_FILE, MISTAKES_FILE]
    return plots, texts


def has_attention(model):
    """Whether `model` holds a `cookbook.layers.TransformerEncoder`."""
    from cookbook.layers.transformer import TransformerEncoder

    return any(isinstance(layer, TransformerEncoder) for layer in model.layers)


def attended_words(model, tokens, texts, y_true, probs, class_names, per_class=2, top=8):
    """For a few reviews, the words a Transformer's last block attended to most.

    The first `per_class` reviews of each class; for each, its `top` words by the attention
    they receive (`cookbook.layers.attention_to_tokens`: the mean over heads and over the
    review's words), a word that occurs more than once by its most attended occurrence.

    Args:
        model: a model for which `has_attention(model)`.
        tokens: the token ids the model takes, one row per review of `texts` (an array, or
            anything that gives the rows of an index array; only the chosen rows are read).
        texts: the reviews as written.
        y_true, probs: their class ids and the model's outputs.
        class_names: the name of each class id.

    Returns:
        A list of `{"words": [(word, weight), ...], "text", "true", "predicted",
        "confidence"}`.
    """
    from cookbook import plotting
    from cookbook.layers.transformer import attention_to_tokens
    from cookbook.text import words as split_words

    y_true = np.asarray(y_true, int)
    chosen = [i for c in range(len(class_names)) for i in np.flatnonzero(y_true == c)[:per_class]]
    if not chosen:
        return []
    weights = attention_to_tokens(model, np.asarray(tokens[np.asarray(chosen)]))
    predicted, confidence = plotting.predicted_classes(probs)
    rows = []
    for row, i in zip(weights, chosen):
        totals = {}
        # Token k is the k-th word of the review (the tokenizer's split), padding after them.
        for word, weight in zip(split_words(texts[i]), row):
            totals[word] = max(totals.get(word, 0.0), float(weight))
        ranked = sorted(totals.items(), key=lambda item: -item[1])[:top]
        text = " ".join(str(texts[i]).split())
        rows.append({"words": [(w, round(v, 4)) for w, v in ranked],
                     "text": text[:160] + ("..." if len(text) > 160 else ""),
                     "true": class_name(class_names, y_true[i]),
                     "predicted": class_name(class_names, predicted[i]),
                     "confidence": round(float(confidence[i]), 4)})
    return rows


class _Subset:
    """`source[indices[i]]`, read when asked: one `i`, or an array of them."""

    def __init__(self, source, indices):
        self.source, self.indices = source, indices

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, i):
        if isinstance(i, np.ndarray):
            return np.asarray(self.source[self.indices[i]])
        return np.asarray(self.source[self.indices[i:i + 1]])[0]


def write_report(out, config, metrics, plots, texts):
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
    attention = texts.get("attention")
    if attention:
        lines += ["", "## Words attended to most", "",
                  "The last encoder block's attention each word receives, averaged over heads "
                  "and over the review's words.", "",
                  "| true | predicted | words (share of attention) | review |", "|---|---|---|---|"]
        lines += [f"| {r['true']} | {r['predicted']} {r['confidence']:.2f} | "
                  + ", ".join(f"**{w}** {100 * v:.0f}%" for w, v in r["words"]).replace("|", "/")
                  + f" | {r['text'].replace('|', '/')} |" for r in attention]
    mistakes = texts.get("mistakes")
    if mistakes:
        lines += ["", "## Most confident mistakes", "", "| true | predicted | confidence | text |",
                  "|---|---|---|---|"]
        lines += [f"| {m['true']} | {m['predicted']} | {m['confidence']:.3f} | "
                  f"{m['text'].replace('|', '/')} |" for m in mistakes]
    atomic.write_text(os.path.join(out, REPORT_FILE), "\n".join(lines) + "\n")
