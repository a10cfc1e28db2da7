"""Layers the recipes use beyond Keras' own, registered for `keras.saving` (package `cookbook`).

A `model.keras` that holds one of them loads with `keras.saving.load_model(path,
safe_mode=True)` once `cookbook.layers` is imported (`RunDir.load_model` does that).

- `ImageAugmentation`: random flips, whole-pixel shifts, rotations and zooms in training only,
  XLA-compilable (Keras' `RandomTranslation`, `RandomRotation` and `RandomZoom` are not).
- `affine_resample`: the gather-based resampler behind it.
- `PaddingMask`, `TokenAndPositionEmbedding`, `TransformerEncoder`, `MaskedAverage`: a
  Transformer text encoder with padding masked in attention and in the average
  (`attention_to_tokens` reads what its last block attends to).

Example:

```python
from cookbook.layers import ImageAugmentation

x = ImageAugmentation(flip="horizontal", max_shift=0.125)(inputs)
```
"""

from cookbook.layers.augmentation import ImageAugmentation, affine_resample
from cookbook.layers.transformer import (
    MaskedAverage, PaddingMask, TokenAndPositionEmbedding, TransformerEncoder, attention_to_tokens)

__all__ = ["ImageAugmentation", "MaskedAverage", "PaddingMask", "TokenAndPositionEmbedding", "TransformerEncoder",
           "affine_resample", "attention_to_tokens"]
