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


def set_seed(seed: int):
    """Seed Python, NumPy, Keras' global seed generator and the backend with `seed`."""
    import keras

    if keras.backend.backend() == "tensorflow" or "tensorflow" in sys.modules:
        keras.utils.set_random_seed(seed)
        return
    try:  # what keras.utils.set_random_seed does besides seeding TensorFlow
        from keras.src.backend.common import global_state
        from keras.src.random.seed_generator import GLOBAL_SEED_GENERATOR
        from keras.src.utils.rng_utils import GLOBAL_RANDOM_SEED
    except ImportError:  # a Keras whose internals moved: accept its TensorFlow import
        keras.utils.set_random_seed(seed)
        return
    global_state.set_global_attribute(GLOBAL_RANDOM_SEED, seed)
    global_state.set_global_attribute(GLOBAL_SEED_GENERATOR, None)
    random.seed(seed)
    np.random.seed(seed)
    if keras.backend.backend() == "torch":
        import torch

        torch.manual_seed(seed)
