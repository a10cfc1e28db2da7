"""What the command line prints besides its own lines: framework start-up logs and warnings.

The frameworks' start-up lines (`cookbook.framework_logs`) are hidden while the backend is
imported and the devices listed (and, where the command will need it on any backend,
TensorFlow: Keras imports it to save a model, tensorflow-datasets to read data); they are shown
when that fails, and always with `COOKBOOK_FRAMEWORK_LOGS=1`.

Python warnings are printed as one line each: `cookbook: warning: <message>`.

Example:

```python
start_backend()   # Keras imported, devices listed, without the frameworks' lines
```
"""

import contextlib
import importlib.util
import sys
import warnings

from cookbook.framework_logs import (FRAMEWORK_LOGS, fewer_framework_logs,  # noqa: F401
                                     framework_logs_requested, hidden_framework_logs)


def start_backend(with_tensorflow=False, devices=True):
    """Import Keras and list the devices with the frameworks' start-up lines hidden; once done,
    a later call returns at once.

    Args:
        with_tensorflow: also import TensorFlow when it is installed, on any backend (Keras
            imports it to save a model, tensorflow-datasets to read data).
        devices: also list the devices, which starts the backend; False where a process may
            still have to join others first (`cookbook.cluster.join`, before any device).
    """
    wanted = (True, with_tensorflow, devices)
    if all(done or not asked for asked, done in zip(wanted, _STARTED)):
        return
    fewer_framework_logs()
    with hidden_framework_logs():
        import keras  # noqa: F401

        if devices:
            from cookbook.devices import list_devices

            list_devices()
        if with_tensorflow and importlib.util.find_spec("tensorflow") is not None:
            import tensorflow  # noqa: F401
    _STARTED[:] = [done or asked for asked, done in zip(wanted, _STARTED)]


# What `start_backend` has done in this process: Keras imported, TensorFlow imported, devices
# listed.
_STARTED = [False, False, False]


@contextlib.contextmanager
def one_line_warnings(prefix="cookbook: warning: "):
    """Print Python warnings as `prefix` + their message, without file, line and source."""
    def show(message, category, filename, lineno, file=None, line=None):
        text = " ".join(str(message).split())
        print(f"{prefix}{text}", file=file or sys.stderr)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield
