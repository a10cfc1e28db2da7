"""Text to numbers, outside the model, so the model runs on every Keras backend.

`Tokenizer` turns strings into numbers in plain Python and NumPy (no TensorFlow, no Keras),
the way `keras.layers.TextVectorization` with `standardize="lower_and_strip_punctuation"` and
`split="whitespace"` does: lower-case ASCII letters, strip ASCII punctuation, split on ASCII
whitespace. It has two modes:

- token ids (`sequence_length` set): id 0 is padding and id 1 any word outside the vocabulary,
  so an empty review becomes all zeros and a review of unknown words all ones;
- bag of words (`sequence_length=None`): a multi-hot vector of `vocab_size` entries, entry 0
  for any word (or n-gram) outside the vocabulary; an empty review is all zeros.

The export to a SavedModel uses `Tokenizer.layer()`, a `TextVectorization` built from the saved
vocabulary, so a served model takes raw strings; `transform` gives exactly that layer's output.
"""

import collections
import itertools
import os
import string

import numpy as np

VOCABULARY_FILE = "vocabulary.txt"
# A text the tokenizer finds no word in: neither `cookbook predict` nor the SavedModel scores it.
NO_WORDS = "no words (an empty text, or only spaces and punctuation)"

# TextVectorization works on UTF-8 bytes: tf.strings.lower (no encoding given) lower-cases the
# bytes A-Z only, the punctuation regex removes ASCII characters only, and tf.strings.split
# splits on the six ASCII whitespace bytes only (not on U+001C..U+001F, U+0085, U+00A0, U+2028,
# U+3000..., which Python's str.split and str.splitlines treat as separators). The bytes methods
# below do the same: bytes.translate, and bytes.split, which splits on b" \t\n\r\x0b\x0c".
_LOWER = bytes.maketrans(string.ascii_uppercase.encode(), string.ascii_lowercase.encode())
_PUNCTUATION = b'!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\''
# For ASCII text, str.split() is faster and splits on the same bytes but for these four.
_ASCII_SEPARATORS_NOT_SPACE = (b"\x1c", b"\x1d", b"\x1e", b"\x1f")


def words(text):
    """The words of one text, as TextVectorization's standardization and split give them.

    >>> words("A <br />fine FILM... Émile's\\u00a0café!")
    ['a', 'br', 'fine', 'film', 'Émiles\\xa0café']
    """
    data = str(text).encode("utf-8").translate(_LOWER, _PUNCTUATION)
    if data.isascii() and not any(sep in data for sep in _ASCII_SEPARATORS_NOT_SPACE):
        return data.decode("ascii").split()
    # Pieces of valid UTF-8 cut at ASCII bytes are valid UTF-8.
    return [word.decode("utf-8") for word in data.split()]


def _terms(words, ngrams):
    """`words`, then their pairs, triples... up to `ngrams`, each joined by a space.

    The order of tf.strings.ngrams(ngram_width=(1, ..., ngrams)): all single words first.
    """
    if ngrams == 1:
        return words
    terms = list(words)
    for n in range(2, ngrams + 1):
        terms.extend(map(" ".join, zip(*(words[k:] for k in range(n)))))
    return terms


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

    @property
    def bag_of_words(self):
        return self.sequence_length is None

    @property
    def _reserved(self):
        """Ids before the vocabulary's: padding and OOV for token ids, OOV alone for a bag."""
        return 1 if self.bag_of_words else 2

    def layer(self):
        """A `keras.layers.TextVectorization` with this tokenizer's settings and vocabulary.

        It needs TensorFlow; `transform` gives the same output without it.
        """
        import keras

        kwargs = dict(max_tokens=self.vocab_size, standardize="lower_and_strip_punctuation",
                      split="whitespace", ngrams=self.ngrams if self.ngrams > 1 else None)
        if self.bag_of_words:
            # `vocab_size` entries even when the vocabulary is shorter, as `transform` gives.
            kwargs.update(output_mode="multi_hot", pad_to_max_tokens=True)
        else:
            kwargs.update(output_mode="int", output_sequence_length=self.sequence_length)
        if self.vocabulary_ is not None:
            kwargs["vocabulary"] = self.vocabulary_
        return keras.layers.TextVectorization(**kwargs)

    def rule(self):
        """How a text becomes this tokenizer's output, written down for those who feed an exported
        token model (ONNX, LiteRT) from another language: a JSON-ready dict that, with
        `vocabulary.txt`, gives exactly what `transform` gives."""
        rule = {
            "standardize": "lower-case the bytes A-Z of the UTF-8 text, then delete these ASCII "
                           "characters: " + _PUNCTUATION.decode("ascii"),
            "split": "on the ASCII whitespace bytes space, \\t, \\n, \\r, \\v, \\f",
            "terms": ("the words" if self.ngrams == 1 else
                      f"the words, then each run of 2 to {self.ngrams} neighbouring words joined "
                      "by one space (all pairs before all triples)"),
            "vocabulary": f"{VOCABULARY_FILE}: one term per line; the term on line i (from 0) "
                          f"has id i + {self._reserved}",
        }
        if self.bag_of_words:
            rule["output"] = (f"multi_hot: float32 (N, {self.vocab_size}), entry id = 1 for each "
                              "term the text holds, entry 0 for any term not in the vocabulary")
        else:
            rule["output"] = (f"ids: int32 (N, {self.sequence_length}), the ids of the first "
                              f"{self.sequence_length} terms, 1 for a term not in the vocabulary, "
                              "0 after the last term")
        return rule

    def fit(self, texts):
        """Learn the vocabulary: the most frequent words (and n-grams) of `texts`.

        Counting in Python: `TextVectorization.adapt` peaks at several GiB on 30,000 reviews,
        this at a few hundred MiB at most.
        """
        counts = collections.Counter()
        for text in texts:
            counts.update(_terms(words(text), self.ngrams))
        # Most frequent first; ties in first-seen order, so the vocabulary is deterministic.
        self.vocabulary_ = [w for w, _ in counts.most_common(self.vocab_size - self._reserved)]
        return self

    def transform(self, texts, batch_size=None):
        """Token ids (int32) or bag-of-words vectors (uint8 0/1), one row per string.

        `texts` is any iterable of strings (other items go through `str`). `batch_size` is
        ignored: it is kept so that older calls still work.
        """
        del batch_size
        texts = list(texts)
        if self.bag_of_words:
            return self.encode(texts).dense()
        else:
            index = self._index()
            length = self.sequence_length
            out = np.zeros((len(texts), length), np.int32)
            for row, text in zip(out, texts):
                terms = _terms(words(text), self.ngrams)[:length]  # cut at the end
                ids = list(map(index.get, terms, itertools.repeat(1)))  # 1: out of vocabulary
                row[:len(ids)] = ids
        return out

    def encode(self, texts):
        """Like `transform`, compact: token ids as they are; bags of words as a `BagOfWords`.

        A bag of words is held as the sorted ids of each text (a few hundred per review) and
        made dense a batch at a time by the input pipeline, instead of `vocab_size` bytes per
        text.
        """
        if not self.bag_of_words:
            return self.transform(texts)
        index = self._index()
        rows = []
        for text in texts:
            # Entry 0 (out of vocabulary) for any term not in the index.
            ids = set(map(index.get, _terms(words(text), self.ngrams), itertools.repeat(0)))
            rows.append(np.array(sorted(ids), np.int32))
        return BagOfWords(rows, self.vocab_size)

    def save(self, directory):
        """Write the vocabulary to `directory/vocabulary.txt`, one entry per "\\n"-ended line.

        Words never hold ASCII whitespace (n-grams join them with a space); they may hold
        U+0085, U+2028..., which `str.splitlines` takes for line ends, so `load` splits on
        "\\n" alone.
        """
        self._check_fitted()
        bad = [w for w in self.vocabulary_ if not w or "\n" in w or w.endswith("\r")]
        if bad:  # entries `load` would not read back; `fit` makes none
            raise ValueError(f"vocabulary entries must be non-empty, without '\\n' or a last "
                             f"'\\r': {bad[:3]!r}")
        path = os.path.join(directory, VOCABULARY_FILE)
        with open(path, "w", encoding="utf-8", newline="\n") as f:  # no newline translation
            f.writelines(w + "\n" for w in self.vocabulary_)

    @classmethod
    def load(cls, directory, vocab_size, sequence_length, ngrams=1):
        """A fitted tokenizer from the vocabulary saved in `directory`."""
        tokenizer = cls(vocab_size, sequence_length, ngrams)
        with open(os.path.join(directory, VOCABULARY_FILE), encoding="utf-8", newline="") as f:
            lines = f.read().split("\n")
        # The last "\n" leaves an empty string; entries hold no ASCII whitespace, so a "\r"
        # before a "\n" (a file saved with Windows line ends) is not part of one.
        tokenizer.vocabulary_ = [w.removesuffix("\r") for w in lines if w not in ("", "\r")]
        return tokenizer

    def _index(self):
        """The id of each vocabulary entry, checked as `TextVectorization` would check it."""
        self._check_fitted()
        vocabulary = self.vocabulary_
        if len(vocabulary) > self.vocab_size - self._reserved:
            raise ValueError(f"{len(vocabulary)} vocabulary entries do not fit in "
                             f"vocab_size={self.vocab_size} ({self._reserved} reserved)")
        index = {w: i for i, w in enumerate(vocabulary, self._reserved)}
        if len(index) != len(vocabulary):
            repeated = [w for w, n in collections.Counter(vocabulary).items() if n > 1]
            raise ValueError(f"the vocabulary has repeated entries: {repeated[:3]!r}")
        return index

    def _check_fitted(self):
        if self.vocabulary_ is None:
            raise ValueError("this Tokenizer has no vocabulary yet: call fit(texts) first")


class BagOfWords:
    """Bags of words held as ids, read as multi-hot rows: `bags[indices]`.

    Args:
        rows: one integer array of vocabulary ids per text.
        width: entries of a multi-hot row (`vocab_size`).

    Example:

    ```python
    bags = BagOfWords([np.array([0, 5]), np.array([2])], width=8)
    bags[np.array([1])]   # array([[0, 0, 1, 0, 0, 0, 0, 0]], dtype=uint8)
    ```
    """

    dtype = np.dtype(np.uint8)

    def __init__(self, rows, width):
        self.width = width
        self.offsets = np.zeros(len(rows) + 1, np.int64)
        np.cumsum([len(r) for r in rows], out=self.offsets[1:])
        self.ids = np.concatenate(rows) if rows else np.zeros(0, np.int32)

    def __len__(self):
        return len(self.offsets) - 1

    @property
    def shape(self):
        return (len(self), self.width)

    @property
    def ndim(self):
        return 2

    def __getitem__(self, indices):
        indices = np.atleast_1d(np.asarray(indices))
        starts, ends = self.offsets[indices], self.offsets[indices + 1]
        lengths = ends - starts
        rows = np.repeat(np.arange(len(indices)), lengths)
        # positions of every id of the chosen texts in `self.ids`
        positions = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(
            lengths.sum())
        out = np.zeros((len(indices), self.width), np.uint8)
        out[rows, self.ids[positions]] = 1
        return out

    def dense(self):
        """Every row, as one `(N, width)` uint8 array."""
        return self[np.arange(len(self))]


def has_words(tokens):
    """Whether each row of a tokenizer's output (token ids with 0 for padding, or a bag of
    words) holds a word; unknown words count (their id is 1). The one rule both `cookbook
    predict` and the exported SavedModel refuse a text by (`NO_WORDS`); NumPy arrays or the
    backend's tensors in, the backend's booleans out."""
    import keras

    return keras.ops.any(keras.ops.not_equal(tokens, 0), axis=-1)
