"""Learning curves that redraw themselves while a model trains."""

import keras


def in_notebook() -> bool:
    """Whether code runs in a Jupyter kernel (where figures can be displayed in place)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


class LivePlot(keras.callbacks.Callback):
    """Redraws loss and metric curves after every epoch.

    In a notebook the figure is updated in place (one output, not one figure per epoch);
    elsewhere, and also in a notebook when `path` is given, it is written to `path` as a PNG.

    Args:
        path: PNG file to write after every epoch, or None.
        title: figure title.

    Example:

    ```python
    model.fit(x, y, validation_split=0.1, epochs=10, callbacks=[LivePlot("curves.png")])
    ```
    """

    def __init__(self, path=None, title=""):
        super().__init__()
        self.path = path
        self.title = title
        self.history = {}
        self.figure = None
        self._handle = None

    def on_train_begin(self, logs=None):
        self.history = {}
        self._handle = None

    def on_epoch_end(self, epoch, logs=None):
        from cookbook.plotting import plot_history

        for key, value in (logs or {}).items():
            if key != "learning_rate":
                self.history.setdefault(key, []).append(float(value))
        self.figure = plot_history(self.history, self.title)
        if in_notebook():
            import io

            from IPython.display import Image, display

            # A PNG, not the Figure: it shows whatever matplotlib backend the kernel has.
            buffer = io.BytesIO()
            self.figure.savefig(buffer, format="png", dpi=90)
            image = Image(data=buffer.getvalue(), format="png")
            if self._handle is None:
                self._handle = display(image, display_id=True)
            else:
                self._handle.update(image)
        if self.path:
            self.figure.savefig(self.path, format="png", dpi=100)
