"""Reading a finished run directory back: its config, metrics, model and tokenizer."""

import json
import os

from cookbook import config as config_lib
from cookbook.errors import RunDirError
from cookbook.training import CONFIG_FILE, EXAMPLES_FILE, METRICS_FILE, MODEL_FILE


class RunDir:
    """A finished run directory written by `cookbook.train`.

    Args:
        path: the run directory.

    Example:

    ```python
    run = RunDir("runs/mnist")
    model = run.load_model()
    ```
    """

    def __init__(self, path):
        self.path = path

    def check(self):
        """Fail with what is missing unless this is a finished run."""
        if not os.path.isdir(self.path):
            raise RunDirError(f"run directory not found: {self.path} (train one with "
                              f"`cookbook run RECIPE --out {self.path}`)")
        missing = [f for f in (CONFIG_FILE, METRICS_FILE, MODEL_FILE)
                   if not os.path.exists(os.path.join(self.path, f))]
        if missing:
            raise RunDirError(f"{self.path} is not a finished run: missing {', '.join(missing)} "
                              "(an interrupted run resumes with `cookbook run` and the same "
                              "--out)")
        return self

    def config(self):
        return config_lib.load_config(os.path.join(self.path, CONFIG_FILE))

    def metrics(self):
        with open(os.path.join(self.path, METRICS_FILE), encoding="utf-8") as f:
            return json.load(f)

    def examples(self):
        """A few raw test inputs saved at training time."""
        with open(os.path.join(self.path, EXAMPLES_FILE), encoding="utf-8") as f:
            return json.load(f)["x"]

    def load_model(self):
        """The trained model, loaded with `safe_mode=True` (no arbitrary code, no pickle).

        cookbook's own layers (`cookbook.layers`) are registered first, so models that hold
        them load; older runs with only Keras layers load as before.
        """
        import keras

        import cookbook.layers  # noqa: F401 - registers ImageAugmentation for deserialization

        return keras.saving.load_model(os.path.join(self.path, MODEL_FILE), safe_mode=True)

    def preprocessor(self):
        """The recipe's preprocessor with the state saved in this run (a text vocabulary)."""
        from cookbook.registry import get_recipe

        return get_recipe(self.config().recipe).preprocessor(self.config().model).load(self.path)

    def tokenizer(self):
        """The run's tokenizer, or None for recipes that take no text."""
        from cookbook.text import VOCABULARY_FILE

        if not os.path.exists(os.path.join(self.path, VOCABULARY_FILE)):
            return None
        return self.preprocessor().tokenizer
