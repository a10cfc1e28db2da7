"""Seeding every random generator a run uses, without importing TensorFlow where it is not used.

`keras.utils.set_random_seed` also seeds TensorFlow whenever it is installed, which imports it
(seconds of start-up and its logs) on the JAX and PyTorch backends too. `set_seed` does the same
as Keras' function, and seeds TensorFlow only when the backend is TensorFlow or it is already
imported.

Example:

```python
from cookbook.seeding import set_seed
set_seed(0)
```
"""

import random
import sys

import numpy as np

from cookbook import keras_internals


def set_seed(seed: int):
    """Seed Python, NumPy, Keras' global seed generator and the backend with `seed`."""
    import keras

    if keras.backend.backend() == "tensorflow" or "tensorflow" in sys.modules:
        keras.utils.set_random_seed(seed)
        return
    if not keras_internals.seed_keras(seed):  # a Keras that keeps its seed elsewhere
        keras.utils.set_random_seed(seed)
        return
    random.seed(seed)
    np.random.seed(seed)
    if keras.backend.backend() == "torch":
        import torch

        torch.manual_seed(seed)
