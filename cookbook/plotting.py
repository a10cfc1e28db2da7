"""Plots of training runs (matplotlib). Functions return a Figure and never call `plt.show()`."""


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
