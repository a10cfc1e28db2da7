"""Plots of training runs (matplotlib). Functions return a Figure and never call `plt.show()`."""

from cookbook.answers import class_name


def plot_history(history: dict, title: str = ""):
    """Learning curves: one panel per metric, training and validation side by side.

    Args:
        history: `{"loss": [...], "val_loss": [...], "accuracy": [...], ...}`, as in
            `keras.callbacks.History.history` or a run's `history.csv`.
        title: figure title.

    Returns:
        A `matplotlib.figure.Figure`.

    Example:

    ```python
    fig = plot_history(model.fit(x, y, validation_split=0.1).history)
    fig.savefig("curves.png")
    ```
    """
    from matplotlib.figure import Figure

    metrics = [k for k in history if not k.startswith("val_") and k not in ("epoch",
                                                                            "learning_rate")]
    fig = Figure(figsize=(5 * max(len(metrics), 1), 3.8), layout="constrained")
    axes = fig.subplots(1, max(len(metrics), 1), squeeze=False)[0]
    for ax, name in zip(axes, metrics):
        epochs = range(1, len(history[name]) + 1)
        ax.plot(epochs, history[name], marker="o", label="train")
        if f"val_{name}" in history:
            ax.plot(epochs, history[f"val_{name}"], marker="o", label="validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    return fig


def plot_confusion_matrix(y_true, y_pred, class_names):
    """Confusion matrix as counts and normalized by true class, side by side.

    Args:
        y_true: true class ids.
        y_pred: predicted class ids.
        class_names: name of each class id.

    Returns:
        A `matplotlib.figure.Figure`; `fig.axes[0]` holds the counts, `fig.axes[1]` the rates.

    Example:

    ```python
    fig = plot_confusion_matrix(y_test, probs.argmax(-1), ["0", "1", ...])
    ```
    """
    import numpy as np
    from matplotlib.figure import Figure

    n = len(class_names)
    counts = np.zeros((n, n), dtype=int)
    np.add.at(counts, (np.asarray(y_true, int), np.asarray(y_pred, int)), 1)
    rates = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    size = max(4.0, 0.45 * n + 2)
    fig = Figure(figsize=(2 * size + 1, size), layout="constrained")
    for ax, values, title, fmt in zip(fig.subplots(1, 2), (counts, rates),
                                      ("counts", "normalized by true class"), ("d", ".2f")):
        image = ax.imshow(values, cmap="Blues")
        ax.set_title(title)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_xticks(range(n), class_names, rotation=45 if n > 2 else 0, ha="right")
        ax.set_yticks(range(n), class_names)
        if n <= 12:
            for i in range(n):
                for j in range(n):
                    ax.text(j, i, format(values[i, j], fmt), ha="center", va="center",
                            fontsize=8, color="white" if values[i, j] > values.max() / 2
                            else "black")
        fig.colorbar(image, ax=ax, shrink=0.8)
    return fig


def plot_image_predictions(images, y_true, probs, class_names, *, mistakes=False, count=16):
    """A grid of images with the predicted class, its probability and the true class.

    Args:
        images: images as the model takes them (pixel values 0-255).
        y_true: true class ids.
        probs: predicted probabilities, `(N, classes)` or `(N, 1)` for binary models.
        class_names: name of each class id.
        mistakes: show the most confidently wrong predictions instead of the first images.
        count: images to show.

    Returns:
        A `matplotlib.figure.Figure`; each axes' title reads `"pred <name> <p> / true <name>"`.
    """
    import numpy as np
    from matplotlib.figure import Figure

    predicted, confidence = predicted_classes(probs)
    y_true = np.asarray(y_true, int)
    if mistakes:
        wrong = np.flatnonzero(predicted != y_true)
        order = wrong[np.argsort(-confidence[wrong])][:count]
    else:
        order = np.arange(min(count, len(images)))
    cols = 4
    rows = max(1, int(np.ceil(len(order) / cols)))
    fig = Figure(figsize=(2.4 * cols, 2.6 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes:
        ax.axis("off")
    for ax, i in zip(axes, order):
        image = np.asarray(images[i], dtype="float32") / 255.0
        ax.imshow(image.clip(0, 1), cmap="gray" if image.ndim == 2 else None)
        ok = predicted[i] == y_true[i]
        ax.set_title(f"pred {class_name(class_names, predicted[i])} {confidence[i]:.2f} / "
                     f"true {class_name(class_names, y_true[i])}", fontsize=8,
                     color="green" if ok else "red")
    fig.suptitle("most confident mistakes" if mistakes else "sample predictions")
    return fig


def confident_mistakes(texts, y_true, probs, class_names, count=5, width=300):
    """The texts predicted wrong with the highest confidence, most confident first.

    Returns:
        A list of `{"text", "true", "predicted", "confidence"}` dicts, texts cut to `width`.
    """
    import numpy as np

    predicted, confidence = predicted_classes(probs)
    y_true = np.asarray(y_true, int)
    wrong = np.flatnonzero(predicted != y_true)
    rows = []
    for i in wrong[np.argsort(-confidence[wrong])][:count]:
        text = " ".join(str(texts[i]).split())
        rows.append({"text": text[:width] + ("..." if len(text) > width else ""),
                     "true": class_name(class_names, y_true[i]),
                     "predicted": class_name(class_names, predicted[i]),
                     "confidence": round(float(confidence[i]), 4)})
    return rows


def plot_attention(rows):
    """The words a model attended to most, one bar chart per review.

    Args:
        rows: `cookbook.report.attended_words(...)`: dicts with `"words"` (`[(word, weight),
            ...]`, most attended first), `"true"`, `"predicted"` and `"confidence"`.

    Returns:
        A `matplotlib.figure.Figure`.
    """
    from matplotlib.figure import Figure

    columns = min(len(rows), 2) or 1
    lines = -(-len(rows) // columns) or 1
    fig = Figure(figsize=(5 * columns, 2.6 * lines), layout="constrained")
    axes = fig.subplots(lines, columns, squeeze=False).ravel()
    for ax, row in zip(axes, rows):
        words, weights = zip(*row["words"][::-1]) if row["words"] else ((), ())
        ax.barh(range(len(words)), [100 * w for w in weights], color="tab:purple")
        ax.set_yticks(range(len(words)), words, fontsize=8)
        ax.set_xlabel("share of the attention (%)", fontsize=8)
        ok = row["true"] == row["predicted"]
        ax.set_title(f"pred {row['predicted']} {row['confidence']:.2f} / true {row['true']}",
                     fontsize=9, color="green" if ok else "red")
    for ax in axes[len(rows):]:
        ax.axis("off")
    fig.suptitle("words attended to most (last encoder block, mean over heads and words)")
    return fig


def plot_lr_finder(lrs, losses, suggestion=None):
    """Smoothed training loss against the learning rate (log scale), suggestion marked."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.subplots()
    ax.plot(lrs, losses)
    ax.set_xscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("loss (smoothed)")
    ax.set_title("learning-rate range test")
    if suggestion:
        ax.axvline(suggestion, color="red", linestyle="--", label=f"suggested {suggestion:.2g}")
        ax.legend()
    ax.grid(alpha=0.3)
    return fig


def predicted_classes(probs):
    """`(class ids, confidence)` from probabilities `(N, classes)`, or `(N, 1)` for binary."""
    import numpy as np

    import keras

    from cookbook.answers import class_ids, is_binary

    probs = np.asarray(probs)
    predicted = keras.ops.convert_to_numpy(class_ids(probs)).astype(int)  # predict's rule
    if not is_binary(probs):
        return predicted, probs.max(axis=1)
    p = probs.reshape(-1)
    return predicted, np.where(predicted == 1, p, 1 - p)
