"""The frameworks' own log lines: hidden while a backend starts, fewer after, all on request.

TensorFlow, XLA and absl write start-up lines from C++ straight to the process' standard error,
before any logging setting applies (TensorFlow 2.21 ignores `TF_CPP_MIN_LOG_LEVEL` for them):
"oneDNN custom operations are on", "Could not find cuda drivers", and on a machine without a GPU
"failed call to cuInit". `hidden_framework_logs` holds them back (and shows them when the block
fails); `COOKBOOK_FRAMEWORK_LOGS=1` shows everything. `cookbook.console` starts the backend with
them; `cookbook.devices` lists the devices with them, since the first listing starts it.

Example:

```python
with hidden_framework_logs():
    import keras
```
"""

import contextlib
import logging
import os
import sys
import tempfile

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


def fewer_framework_logs():
    """Unless `COOKBOOK_FRAMEWORK_LOGS=1`: TensorFlow's C++ logs below warnings off, as far as
    `TF_CPP_MIN_LOG_LEVEL` is not set already (it applies to what TensorFlow logs after its
    start-up, e.g. a first `tf.data` generator's "Memory patch applied"), and Python's `absl`
    logger (tensorflow-datasets) at errors only."""
    if not framework_logs_requested():
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        logging.getLogger("absl").setLevel(logging.ERROR)
