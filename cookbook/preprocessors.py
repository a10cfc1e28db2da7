"""What turns a user's data into a recipe's model inputs, declared beside each recipe.

Each recipe registers a function from its hyper-parameters to one of these, so the recipe's
model and the form of its input cannot drift apart:

- `ImagePreprocessor`: images decoded to uint8 pixels of the size and channels the model takes
  (scaling stays inside the model);
- `TextPreprocessor`: the tokenizer (`cookbook.text.Tokenizer`) fitted on the training texts
  and saved with the run;
- `TabularPreprocessor`: feature columns as float32 (scaling stays inside the model).

Calling a preprocessor on raw inputs gives a source of the input pipeline
(`cookbook.data.pipeline.Batches`): an array, or a lazy source for image files and bags of
words.

Example:

```python
pre = cookbook.get_recipe("imdb_lstm").preprocessor({"vocab_size": 20000})
pre.fit(train_reviews).save("runs/imdb")
ids = pre(["A fine film."])        # int32, shape (1, 400)
```
"""

import dataclasses

import numpy as np


class _Stateless:
    """A preprocessor with nothing to learn from the data or to save with a run."""

    def fit(self, x):
        return self

    def save(self, directory):
        pass

    def load(self, directory):
        return self


@dataclasses.dataclass
class ImagePreprocessor(_Stateless):
    """Images as the model takes them: uint8 pixels of `size` with `channels`.

    Files are decoded a batch at a time (`cookbook.data.image_files.ImageFiles`): converted to
    greyscale (channels 1, PIL's luminance) or RGB (channels 3), then resized to `size` with
    bilinear resampling. Greyscale is never inverted: MNIST digits are light on dark, so dark
    digits on white paper need inverting by the user.

    Args:
        size: `(height, width)` of the model's input, or the size files are resized to when the
            model resizes by itself.
        channels: 1 or 3.
        channel_axis: False when the model takes `(N, height, width)` (MNIST).
    """

    size: tuple
    channels: int = 3
    channel_axis: bool = True
    kind = "image"

    def __call__(self, x):
        from cookbook.data.image_files import ImageFiles

        if isinstance(x, ImageFiles):
            return x.with_format(self.size, self.channels, self.channel_axis)
        return x

    def files(self, paths):
        """`paths` as a lazy source in this format."""
        from cookbook.data.image_files import ImageFiles

        return ImageFiles(paths, self.size, self.channels, self.channel_axis)


@dataclasses.dataclass
class TextPreprocessor:
    """Texts as token ids or bags of words, through a `cookbook.text.Tokenizer`.

    Args:
        vocab_size: width of the ids or of the bag of words (see `Tokenizer`).
        sequence_length: ids per text, or None for a bag of words.
        ngrams: 2 adds word pairs to the vocabulary.
    """

    vocab_size: int
    sequence_length: int | None = None
    ngrams: int = 1
    kind = "text"

    def __post_init__(self):
        from cookbook.text import Tokenizer

        self.tokenizer = Tokenizer(self.vocab_size, self.sequence_length, self.ngrams)

    def fit(self, texts):
        """Learn the vocabulary from the training texts."""
        self.tokenizer.fit(texts)
        return self

    def save(self, directory):
        self.tokenizer.save(directory)

    def load(self, directory):
        """Read the vocabulary saved with a run."""
        from cookbook.text import Tokenizer

        self.tokenizer = Tokenizer.load(directory, self.vocab_size, self.sequence_length,
                                        self.ngrams)
        return self

    def __call__(self, texts):
        return self.tokenizer.encode(texts)


@dataclasses.dataclass
class TabularPreprocessor(_Stateless):
    """Feature columns as float32.

    Args:
        num_features: columns the model takes.
    """

    num_features: int
    kind = "tabular"

    def __call__(self, x):
        return np.asarray(x, dtype="float32")
