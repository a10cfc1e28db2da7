"""Reading a finished run directory back: its config, metrics, model and tokenizer."""

import json
import os
import zipfile
import zlib

from cookbook import config as config_lib
from cookbook.compilation import set_jit_compile
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

        Raises:
            RunDirError: `model.keras` is missing, corrupt or truncated, holds a Lambda layer
                (arbitrary Python code, which is never loaded), or does not load for another
                reason (the first line of Keras' message).
        """
        import keras

        import cookbook.layers  # noqa: F401 - registers ImageAugmentation for deserialization

        path = os.path.join(self.path, MODEL_FILE)
        if not os.path.isfile(path):
            self.check()  # names what is missing
            raise RunDirError(f"{path} is not a file; train again with `cookbook run "
                              f"{os.path.join(self.path, CONFIG_FILE)} --out NEWDIR`")
        self._check_archive(path)
        try:
            model = keras.saving.load_model(path, safe_mode=True)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, json.JSONDecodeError) as e:
            raise RunDirError(self._corrupt_model(path, e)) from e
        except Exception as e:  # noqa: BLE001 - one line instead of Keras' traceback
            raise RunDirError(_load_error(path, e)) from e
        # XLA or not is chosen for this backend, not the one the model was trained on.
        return set_jit_compile(model, self.config().fit.jit_compile, loaded=True)

    def _check_archive(self, path):
        """Fail unless `path` is a zip archive whose members all match their CRC-32.

        Keras stores the weights uncompressed and reads them without checking the CRC, so
        damaged bytes would otherwise load as wrong weights without a word.
        """
        try:
            with zipfile.ZipFile(path) as archive:
                bad = archive.testzip()
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as e:
            raise RunDirError(self._corrupt_model(path, e)) from e
        except OSError as e:
            raise RunDirError(f"cannot read {path}: {e.strerror or e}; fix its permissions, or "
                              "run cookbook as a user who can read it") from e
        if bad is not None:
            raise RunDirError(self._corrupt_model(path, f"bad CRC-32 for {bad}"))

    def _corrupt_model(self, path, error):
        """The message for a `model.keras` that is not a readable zip archive."""
        return (f"{path} is corrupt or truncated ({_first_line(error)}); train again with the "
                "same settings: "
                f"`cookbook run {os.path.join(self.path, CONFIG_FILE)} --out NEWDIR` (a run "
                "whose training was interrupted resumes with `cookbook run` and the same --out)")

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


# Keras refuses a Python lambda in safe mode with a message naming this way round it
# (keras/src/layers/core/lambda_layer.py for a Lambda layer, saving/serialization_lib.py
# for a lambda anywhere else in the config).
UNSAFE_LAMBDA_MARKERS = ("Requested the deserialization of a", "safe_mode=False")


def _load_error(path, error):
    """One line for a `model.keras` that Keras would not load.

    Args:
        path: the model file.
        error: the exception `keras.saving.load_model` raised.
    """
    message = str(error)
    unsafe = all(marker in message for marker in UNSAFE_LAMBDA_MARKERS)
    if unsafe or _has_lambda_layer(path):  # a Lambda of a named function fails otherwise
        what = "a Python lambda" if unsafe and "`Lambda` layer" not in message else "a Lambda layer"
        return (f"{path} contains {what} (arbitrary Python code), which cookbook will not load; "
                "build the model from Keras layers or registered custom layers (like "
                "cookbook.layers) instead of Lambda, and train again")
    return (f"{path} could not be loaded: {type(error).__name__}: {_first_line(error)}; check "
            "that it was written by `cookbook run` with this version of cookbook and Keras, or "
            "train again")


def _first_line(error):
    """The first non-empty line of an exception's message, or its type's name."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def _has_lambda_layer(path):
    """Whether the model config in the `.keras` archive `path` holds a `Lambda` layer."""
    def walk(node):
        if isinstance(node, dict):
            return node.get("class_name") == "Lambda" or any(map(walk, node.values()))
        return isinstance(node, list) and any(map(walk, node))

    try:
        with zipfile.ZipFile(path) as archive:
            return walk(json.loads(archive.read("config.json")))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, zlib.error):
        return False
