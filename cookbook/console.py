"""What the command line prints besides its own lines: framework start-up logs and warnings.

TensorFlow, XLA and absl write start-up lines from C++ straight to the process' standard error,
before any logging setting applies (TensorFlow 2.21 ignores `TF_CPP_MIN_LOG_LEVEL` for them):
"oneDNN custom operations are on", "Could not find cuda drivers", and on a machine without a GPU
"failed call to cuInit". The command line hides them while it imports the backend and lists the
devices (and, where the command will need it on any backend, TensorFlow: Keras imports it to
save a model, tensorflow-datasets to read data); they are shown when that fails, and always with
`COOKBOOK_FRAMEWORK_LOGS=1`.

Python warnings are printed as one line each: `cookbook: warning: <message>`.

Example:

```python
with hidden_framework_logs():
    import keras
```
"""

import contextlib
import importlib.util
import os
import sys
import tempfile
import warnings

FRAMEWORK_LOGS = "COOKBOOK_FRAMEWORK_LOGS"


def framework_logs_requested():
    """Whether the user asked to see the frameworks' own start-up logs."""
    return os.environ.get(FRAMEWORK_LOGS, "").strip().lower() not in ("", "0", "false", "no")


@contextlib.contextmanager
def hidden_framework_logs():
    """Send what is written to standard error (file descriptor 2) inside the block to a
    temporary file; replay it if the block fails or `COOKBOOK_FRAMEWORK_LOGS=1` is set."""
    if framework_logs_requested():
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as log:
        os.dup2(log.fileno(), 2)
        try:
            yield
        except BaseException:
            sys.stderr.flush()
            os.dup2(saved, 2)
            log.seek(0)
            sys.stderr.write(log.read().decode("utf-8", "replace"))
            raise
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def start_backend(with_tensorflow=False):
    """Import Keras and list the devices with the frameworks' start-up lines hidden; later
    calls cost nothing (TensorFlow and JAX list their devices once per process).

    Args:
        with_tensorflow: also import TensorFlow when it is installed, on any backend (Keras
            imports it to save a model, tensorflow-datasets to read data).
    """
    with hidden_framework_logs():
        import keras  # noqa: F401

        from cookbook.devices import list_devices

        list_devices()
        if with_tensorflow and importlib.util.find_spec("tensorflow") is not None:
            import tensorflow  # noqa: F401


@contextlib.contextmanager
def one_line_warnings(prefix="cookbook: warning: "):
    """Print Python warnings as `prefix` + their message, without file, line and source."""
    def show(message, category, filename, lineno, file=None, line=None):
        text = " ".join(str(message).split())
        print(f"{prefix}{text}", file=file or sys.stderr)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield
