"""Text to numbers, outside the model, so the model runs on every Keras backend.

`Tokenizer` wraps `keras.layers.TextVectorization` (lower-case ASCII, strip punctuation, split on
whitespace) in one of two modes:

- token ids (`sequence_length` set): id 0 is padding and id 1 any word outside the vocabulary,
  so an empty review becomes all zeros and a review of unknown words all ones;
- bag of words (`sequence_length=None`): a multi-hot vector of `vocab_size` entries, entry 0
  for any word (or n-gram) outside the vocabulary; an empty review is all zeros.

The export to a SavedModel rebuilds the same layer from the saved vocabulary, so a served model
takes raw strings.
"""

import collections
import os
import re
import string

import numpy as np

VOCABULARY_FILE = "vocabulary.txt"
# tf.strings.lower (used by the layer) lower-cases ASCII letters only; tf.strings.split splits
# on ASCII whitespace.
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_WHITESPACE = re.compile(r"[ \t\n\r\f\v]+")
# The characters TextVectorization's "lower_and_strip_punctuation" removes.
_PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')


class Tokenizer:
    """Maps strings to token ids or to bag-of-words vectors.

    Args:
        vocab_size: width of the output: ids (padding and out-of-vocabulary included), or
            entries of the bag-of-words vector (out-of-vocabulary included).
        sequence_length: ids per string (longer strings are cut at the end, shorter padded), or
            None for a multi-hot bag of words.
        ngrams: with 2, word pairs join single words in the vocabulary.

    Example:

    ```python
    tokenizer = Tokenizer(vocab_size=20000, sequence_length=200)
    tokenizer.fit(train_reviews)
    ids = tokenizer.transform(["A fine film."])   # shape (1, 200), int32
    tokenizer.save("run/")
    ```
    """

    def __init__(self, vocab_size=20000, sequence_length=200, ngrams=1):
        self.vocab_size = vocab_size
        self.sequence_length = sequence_length
        self.ngrams = ngrams
        self.vocabulary_ = None

    @classmethod
    def for_model(cls, model_config):
        """The tokenizer a text recipe's hyper-parameters call for."""
        return cls(model_config["vocab_size"], model_config.get("sequence_length"),
                   model_config.get("ngrams", 1))

    @property
    def bag_of_words(self):
        return self.sequence_length is None

    def layer(self):
        """A `keras.layers.TextVectorization` with this tokenizer's settings and vocabulary."""
        import keras

        kwargs = dict(max_tokens=self.vocab_size, standardize="lower_and_strip_punctuation",
                      split="whitespace", ngrams=self.ngrams if self.ngrams > 1 else None)
        if self.bag_of_words:
            kwargs.update(output_mode="multi_hot")
        else:
            kwargs.update(output_mode="int", output_sequence_length=self.sequence_length)
        if self.vocabulary_ is not None:
            kwargs["vocabulary"] = self.vocabulary_
        return keras.layers.TextVectorization(**kwargs)

    def fit(self, texts):
        """Learn the vocabulary: the most frequent words (and n-grams) of `texts`.

        Words are counted in Python with the layer's standardization: `TextVectorization.adapt`
        peaks at several GiB on 30,000 reviews, this at a few hundred MiB at most.
        """
        counts = collections.Counter()
        for text in texts:
            words = [w for w in _WHITESPACE.split(
                _PUNCTUATION.sub("", str(text).translate(_ASCII_LOWER))) if w]
            counts.update(words)
            for n in range(2, self.ngrams + 1):
                counts.update(" ".join(words[i:i + n]) for i in range(len(words) - n + 1))
        # Reserved ids: padding and OOV for token ids, OOV alone for a bag of words.
        size = self.vocab_size - (1 if self.bag_of_words else 2)
        # Most frequent first; ties in first-seen order, so the vocabulary is deterministic.
        self.vocabulary_ = [w for w, _ in counts.most_common(size)]
        self._layer = None
        return self

    def transform(self, texts, batch_size=None):
        """Token ids (int32) or bag-of-words vectors (uint8 0/1), one row per string.

        `batch_size` strings go through the layer at a time (default 2048 for ids, 256 for
        bags of words, whose float32 rows are large).
        """
        import keras

        batch_size = batch_size or (256 if self.bag_of_words else 2048)
        self._check_fitted()
        if getattr(self, "_layer", None) is None:
            self._layer = self.layer()
        dtype = np.uint8 if self.bag_of_words else np.int32
        width = self.vocab_size if self.bag_of_words else self.sequence_length
        # Batch by batch: a fixed-width unicode array of all reviews at once takes GiBs, and
        # bag-of-words rows are kept as uint8 rather than float32.
        texts = np.asarray(texts, dtype=object)
        out = [keras.ops.convert_to_numpy(self._layer(
                   np.array([str(t) for t in texts[i:i + batch_size]], dtype=object))
               ).astype(dtype)
               for i in range(0, len(texts), batch_size)]
        if not out:
            return np.zeros((0, width), dtype)
        return np.concatenate(out)

    def save(self, directory):
        """Write the vocabulary to `directory/vocabulary.txt`, one entry per line."""
        self._check_fitted()
        with open(os.path.join(directory, VOCABULARY_FILE), "w", encoding="utf-8") as f:
            f.write("\n".join(self.vocabulary_) + "\n")

    @classmethod
    def load(cls, directory, vocab_size, sequence_length, ngrams=1):
        """A fitted tokenizer from the vocabulary saved in `directory`."""
        tokenizer = cls(vocab_size, sequence_length, ngrams)
        with open(os.path.join(directory, VOCABULARY_FILE), encoding="utf-8") as f:
            tokenizer.vocabulary_ = f.read().splitlines()
        return tokenizer

    def _check_fitted(self):
        if self.vocabulary_ is None:
            raise ValueError("this Tokenizer has no vocabulary yet: call fit(texts) first")
