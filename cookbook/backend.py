"""Which Keras backend cookbook runs on, checked before Keras is imported.

Keras picks its backend from the `KERAS_BACKEND` environment variable, else from
`keras.json` in `KERAS_HOME` (default `~/.keras`), else TensorFlow. cookbook runs on
`tensorflow`, `jax` and `torch`; another name, or a backend whose package is not installed, fails
here with what is supported instead of deep inside Keras.

Example:

```python
from cookbook.backend import check_backend
check_backend()   # 'tensorflow'
```
"""

import importlib.util
import json
import os
import sys

from cookbook.errors import BackendError

SUPPORTED = ("tensorflow", "jax", "torch")
INSTALL = {"tensorflow": "pip install tensorflow", "jax": "pip install jax",
           "torch": "pip install torch"}


def configured_backend():
    """The backend Keras uses or will use in this process."""
    if "keras" in sys.modules:
        return sys.modules["keras"].backend.backend()
    if os.environ.get("KERAS_BACKEND"):
        return os.environ["KERAS_BACKEND"]
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    try:
        with open(os.path.join(home, "keras.json")) as f:
            return json.load(f).get("backend") or "tensorflow"
    except (OSError, ValueError, AttributeError):
        return "tensorflow"


def check_backend():
    """The configured backend's name; fails with the supported ones unless it can run here."""
    name = configured_backend()
    origin = "KERAS_BACKEND" if os.environ.get("KERAS_BACKEND") else "the Keras backend"
    if name not in SUPPORTED:
        raise BackendError(f"{origin} is {name!r}; cookbook runs on {', '.join(SUPPORTED)}: "
                           "set KERAS_BACKEND to one of them")
    if "keras" not in sys.modules and importlib.util.find_spec(name) is None:
        others = [b for b in SUPPORTED if b != name and importlib.util.find_spec(b)]
        raise BackendError(f"{origin} is {name!r} but {name} is not installed: "
                           f"{INSTALL[name]}" + (f", or use KERAS_BACKEND={others[0]}"
                                                 if others else ""))
    return name
