"""Text to token ids, outside the model, so the model runs on every Keras backend.

`Tokenizer` wraps `keras.layers.TextVectorization` (lower-case, strip punctuation, split on
whitespace). Id 0 is padding and id 1 stands for any word outside the vocabulary, so an empty
review becomes all zeros and a review of unknown words all ones. The export to a SavedModel
rebuilds the same layer from the saved vocabulary, so a served model takes raw strings.
"""

import collections
import os
import re
import string

import numpy as np

VOCABULARY_FILE = "vocabulary.txt"
# The characters TextVectorization's "lower_and_strip_punctuation" removes.
# tf.strings.lower (used by the layer) lower-cases ASCII letters only; tf.strings.split splits
# on ASCII whitespace.
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_WHITESPACE = re.compile(r"[ \t\n\r\f\v]+")
_PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')


class Tokenizer:
    """Maps strings to fixed-length sequences of token ids.

    Args:
        vocab_size: number of ids, padding (0) and out-of-vocabulary (1) included.
        sequence_length: ids per string; longer strings are cut at the end, shorter padded.

    Example:

    ```python
    tokenizer = Tokenizer(vocab_size=20000, sequence_length=200)
    tokenizer.fit(train_reviews)
    ids = tokenizer.transform(["A fine film."])   # shape (1, 200), int32
    tokenizer.save("run/")
    ```
    """

    def __init__(self, vocab_size=20000, sequence_length=200):
        self.vocab_size = vocab_size
        self.sequence_length = sequence_length
        self.vocabulary_ = None

    def layer(self):
        """A `keras.layers.TextVectorization` with this tokenizer's settings and vocabulary."""
        import keras

        kwargs = dict(max_tokens=self.vocab_size, output_mode="int",
                      output_sequence_length=self.sequence_length,
                      standardize="lower_and_strip_punctuation", split="whitespace")
        if self.vocabulary_ is not None:
            kwargs["vocabulary"] = self.vocabulary_
        return keras.layers.TextVectorization(**kwargs)

    def fit(self, texts):
        """Learn the vocabulary: the `vocab_size - 2` most frequent words of `texts`.

        Words are counted in Python with the layer's standardization (lower case, punctuation
        stripped, split on whitespace): `TextVectorization.adapt` peaks at several GiB on
        30,000 reviews, this at a few MiB.
        """
        counts = collections.Counter()
        for text in texts:
            words = _WHITESPACE.split(_PUNCTUATION.sub("", str(text).translate(_ASCII_LOWER)))
            counts.update(w for w in words if w)
        # Most frequent first; ties in first-seen order, so the vocabulary is deterministic.
        self.vocabulary_ = [w for w, _ in counts.most_common(self.vocab_size - 2)]
        self._layer = None
        return self

    def transform(self, texts, batch_size=2048):
        """Token ids of `texts`, shape `(len(texts), sequence_length)`, dtype int32."""
        import keras

        self._check_fitted()
        if getattr(self, "_layer", None) is None:
            self._layer = self.layer()
        # Batch by batch: a fixed-width unicode array of all reviews at once takes GiBs.
        texts = np.asarray(texts, dtype=object)
        out = [keras.ops.convert_to_numpy(self._layer(
                   np.array([str(t) for t in texts[i:i + batch_size]], dtype=object)))
               for i in range(0, len(texts), batch_size)]
        if not out:
            return np.zeros((0, self.sequence_length), np.int32)
        return np.concatenate(out).astype(np.int32)

    def save(self, directory):
        """Write the vocabulary to `directory/vocabulary.txt`, one word per line."""
        self._check_fitted()
        with open(os.path.join(directory, VOCABULARY_FILE), "w", encoding="utf-8") as f:
            f.write("\n".join(self.vocabulary_) + "\n")

    @classmethod
    def load(cls, directory, vocab_size, sequence_length):
        """A fitted tokenizer from the vocabulary saved in `directory`."""
        tokenizer = cls(vocab_size, sequence_length)
        with open(os.path.join(directory, VOCABULARY_FILE), encoding="utf-8") as f:
            tokenizer.vocabulary_ = f.read().splitlines()
        return tokenizer

    def _check_fitted(self):
        if self.vocabulary_ is None:
            raise ValueError("this Tokenizer has no vocabulary yet: call fit(texts) first")
