"""Loading a run's `model.keras` safely, with one line for each way it can fail.

`load_model(path, retrain_hint)` checks the archive (every member's CRC-32: Keras stores the
weights uncompressed and never checks it, so damaged bytes would load as wrong weights), then
loads with `safe_mode=True` (no arbitrary code, no pickle). A corrupt or truncated file, a model
holding a `Lambda` layer (never loaded) and any other failure are a `RunDirError` of one line.

Example:

```python
model = load_model("runs/mnist/model.keras", "cookbook run runs/mnist/config.toml --out NEW")
```
"""

import json
import zipfile
import zlib

from cookbook.errors import RunDirError


def load_model(path, retrain_hint):
    """The Keras model in `path`, loaded with `safe_mode=True`.

    Args:
        path: a `.keras` file.
        retrain_hint: the command that trains the model again, for the messages.

    Raises:
        RunDirError: the file is corrupt or truncated, holds a Lambda layer, or does not load
            for another reason (the first line of Keras' message).
    """
    import keras

    import cookbook.layers  # noqa: F401 - registers ImageAugmentation for deserialization

    check_archive(path, retrain_hint)
    try:
        return keras.saving.load_model(path, safe_mode=True)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, json.JSONDecodeError) as e:
        raise RunDirError(_corrupt(path, e, retrain_hint)) from e
    except Exception as e:  # noqa: BLE001 - one line instead of Keras' traceback
        raise RunDirError(_load_error(path, e)) from e


def check_archive(path, retrain_hint):
    """Fail unless `path` is a zip archive whose members all match their CRC-32."""
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as e:
        raise RunDirError(_corrupt(path, e, retrain_hint)) from e
    except OSError as e:
        raise RunDirError(f"cannot read {path}: {e.strerror or e}; fix its permissions, or "
                          "run cookbook as a user who can read it") from e
    if bad is not None:
        raise RunDirError(_corrupt(path, f"bad CRC-32 for {bad}", retrain_hint))


def _corrupt(path, error, retrain_hint):
    """The message for a `model.keras` that is not a readable zip archive."""
    return (f"{path} is corrupt or truncated ({_first_line(error)}); train again with the "
            f"same settings: `{retrain_hint}` (a run whose training was interrupted resumes "
            "with `cookbook run` and the same --out)")


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
