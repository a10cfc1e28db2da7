import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from cookbook.text import VOCABULARY_FILE, Tokenizer, words

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Text where TextVectorization and a naive Python tokenizer part ways. TensorFlow splits on the
# six ASCII whitespace characters only, so U+0085, U+00A0, U+2028, U+2029, U+3000 and
# U+001C..U+001F stay inside words (Python's str.split() would split there); it lower-cases
# A-Z only and strips ASCII punctuation only.
TRICKY = [
    "Next\u0085line and\u2028line\u2029paragraph separators",
    "NO-BREAK\u00a0space, ideographic\u3000space; ogham\u1680mark en\u2002space",
    "vertical\x0btab form\x0cfeed file\x1csep group\x1dsep record\x1esep unit\x1fsep",
    "\u00c9COLE Stra\u00dfe \u03a9MEGA \u03a9mega \u041c\u041e\u0421\u041a\u0412\u0410 "
    "\u043c\u043e\u0441\u043a\u0432\u0430 \u6771\u4eac \u30bf\u30ef\u30fc",
    "emoji \U0001f600 family \U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466 "
    "flag \U0001f1eb\U0001f1f7 heart \u2764\ufe0f",
    "combining e\u0301 cafe\u0301 CAFE\u0301 and caf\u00e9",
    "Wow!!!...??? really?!?! (yes) [no] {maybe} \"quoted\" 'single' back`tick a-b a_b",
    "Great film.<br /><br />Would watch again.<br />",
    "tabs\tand\r\nCRLF\rCR\nLF  double  spaces ",
    "",
    "   \t\r\n\x0b\x0c  ",
    "\u0085\u2028\u2029\u00a0\u3000",
    "!!! ... ???",
    "fullwidth \uff21\uff22\uff23 kelvin \u212a dotted \u0130stanbul \ufb01ne",
    "nul\x00byte zero\u200bwidth bom\ufeffmark",
    " ".join(f"Word{i % 37}" for i in range(500)),
    "the film the film the end, THE END.",
]
UNSEEN = ["zzz unknown words", "\u03a9mega the unknownword", "Next\u0085line", "the end"]


def test_words_follow_tensorflow_not_python():
    assert words("a\u0085b c\u00a0d\te\x0bf\x1cg\u2028h\r\ni") == [
        "a\x85b", "c\xa0d", "e", "f\x1cg\u2028h", "i"]
    assert words("\u00c9COLE Stra\u00dfe \u0130STANBUL \uff21") == [
        "\u00c9cole", "stra\u00dfe", "\u0130stanbul", "\uff21"]
    assert words("Wow!!!...??? <br /><br />it's a-b") == ["wow", "br", "br", "its", "ab"]
    assert words("") == [] and words(" \t\n\r\x0b\x0c") == [] and words(12) == ["12"]


def test_tokenizer_round_trip_and_defined_edge_cases(tmp_path):
    tok = Tokenizer(vocab_size=10, sequence_length=5).fit(
        ["good good film", "bad film", "Good, GOOD!"])
    assert tok.vocabulary_[0] == "good"  # most frequent first, lower-cased, punctuation gone
    ids = tok.transform(["Good film", "", "zzz qqq"])
    assert ids.shape == (3, 5) and ids.dtype == np.int32
    assert ids[0, 0] == 2 and ids[0, 2:].tolist() == [0, 0, 0]
    assert ids[1].tolist() == [0] * 5            # empty review: all padding
    assert ids[2].tolist() == [1, 1, 0, 0, 0]     # unknown words: the OOV id
    tok.save(str(tmp_path))
    again = Tokenizer.load(str(tmp_path), 10, 5)
    np.testing.assert_array_equal(again.transform(["Good film", "zzz"]),
                                  tok.transform(["Good film", "zzz"]))


def test_transform_takes_any_iterable_and_no_texts():
    tok = Tokenizer(vocab_size=10, sequence_length=3).fit(["a b c d"])
    expected = tok.transform(["a b", "c 7"])
    np.testing.assert_array_equal(tok.transform(np.array(["a b", "c 7"], dtype=object)), expected)
    np.testing.assert_array_equal(tok.transform(t for t in ["a b", "c 7"]), expected)
    np.testing.assert_array_equal(tok.transform(["a b", "c 7"], batch_size=1), expected)
    assert tok.transform(["d a b c"])[0].tolist() == [5, 2, 3]  # cut at the end
    empty = tok.transform([])
    assert empty.shape == (0, 3) and empty.dtype == np.int32
    bag = Tokenizer(vocab_size=4, sequence_length=None).fit(["a b c d"])
    assert bag.transform(iter([])).shape == (0, 4) and bag.transform([]).dtype == np.uint8
    assert bag.transform([3, "d"]).tolist() == [[1, 0, 0, 0], [1, 0, 0, 0]]
    with pytest.raises(ValueError, match="call fit"):
        Tokenizer().transform(["a"])


def test_vocabulary_matches_the_layers_own_adapt():
    """Counting in Python gives the vocabulary TextVectorization.adapt would give."""
    pytest.importorskip("tensorflow")
    import keras

    texts = ["The film, the FILM; the end.", "Émile's <br />film\twas\u00a0long", "end end"]
    layer = keras.layers.TextVectorization(max_tokens=50)
    layer.adapt(texts)
    ours = Tokenizer(vocab_size=50, sequence_length=4).fit(texts).vocabulary_
    assert sorted(ours) == sorted(layer.get_vocabulary()[2:])


def test_bag_of_words_with_bigrams(tmp_path):
    tok = Tokenizer(vocab_size=6, sequence_length=None, ngrams=2).fit(
        ["not good", "not good at all", "good"])
    assert tok.vocabulary_[:3] == ["good", "not", "not good"]
    rows = tok.transform(["Not good!", "", "unknown"])
    assert rows.shape == (3, 6) and rows.dtype == np.uint8
    layer_vocab = ["[UNK]"] + tok.vocabulary_
    assert rows[0].tolist() == [int(w in ("good", "not", "not good")) for w in layer_vocab]
    assert rows[1].sum() == 0 and rows[2].tolist() == [1, 0, 0, 0, 0, 0]  # OOV entry only


@pytest.mark.parametrize("sequence_length,ngrams,vocab_size", [
    (16, 1, 40),       # int ids, vocabulary cut short: many words out of vocabulary
    (16, 1, 1000),     # int ids, every fitted word in the vocabulary
    (None, 1, 40),     # bag of words
    (None, 1, 1000),   # bag of words, vocabulary shorter than vocab_size
    (None, 2, 60),     # bag of words and pairs
    (None, 2, 1000),
    (16, 2, 1000),     # int ids with pairs: all single words first, then the pairs
])
def test_transform_equals_the_tensorflow_layer(sequence_length, ngrams, vocab_size):
    pytest.importorskip("tensorflow")
    import keras

    tok = Tokenizer(vocab_size, sequence_length, ngrams).fit(TRICKY)
    if vocab_size == 1000:  # the tricky words are in the vocabulary, as TensorFlow splits them
        assert {"next\x85line", "and\u2028line\u2029paragraph", "nobreak\xa0space",
                "ideographic\u3000space", "file\x1csep", "unit\x1fsep", "\u00c9cole",
                "\u03a9mega", "e\u0301", "\uff21\uff22\uff23", "\u0130stanbul", "nul\x00byte",
                "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466",
                "\x85\u2028\u2029\xa0\u3000", "word36"} <= set(tok.vocabulary_)
    texts = TRICKY + UNSEEN
    ours = tok.transform(texts)
    theirs = keras.ops.convert_to_numpy(tok.layer()(np.array(texts, dtype=object)))
    assert ours.shape == theirs.shape == (len(texts), sequence_length or vocab_size)
    np.testing.assert_array_equal(ours, theirs.astype(ours.dtype))
    assert ours.dtype == (np.uint8 if sequence_length is None else np.int32)
    assert (ours == 1).any() if sequence_length else ours[:, 0].any()  # OOV present


VOCABULARY = ["a\x85b", "c\u2028d", "e\u2029f", "g\x0bh", "i\x1cj", "k\x1dl", "m\x1en",
              "o\x1fp", "q\x0cr", "s\u00a0t", "\u3000u", "v w", "x\rz", "\u00e9"]


def test_vocabulary_file_round_trip_for_any_token(tmp_path):
    tok = Tokenizer(vocab_size=20, sequence_length=4)
    tok.vocabulary_ = list(VOCABULARY)
    tok.save(str(tmp_path))
    path = tmp_path / VOCABULARY_FILE
    assert path.read_bytes() == "".join(w + "\n" for w in VOCABULARY).encode("utf-8")
    again = Tokenizer.load(str(tmp_path), 20, 4)
    assert again.vocabulary_ == VOCABULARY
    # The older writer's file ("\n".join + "\n") and a file with Windows line ends load too.
    path.write_bytes(("\n".join(VOCABULARY[:-2]) + "\n").encode("utf-8"))
    assert Tokenizer.load(str(tmp_path), 20, 4).vocabulary_ == VOCABULARY[:-2]
    path.write_bytes("".join(w + "\r\n" for w in VOCABULARY[:-2]).encode("utf-8"))
    assert Tokenizer.load(str(tmp_path), 20, 4).vocabulary_ == VOCABULARY[:-2]
    for bad in (["a\nb"], ["a", ""], ["a\r"]):  # entries that would not read back
        tok.vocabulary_ = bad
        with pytest.raises(ValueError, match="non-empty"):
            tok.save(str(tmp_path))


def test_fitted_tokens_hold_no_ascii_whitespace_and_survive_save_load(tmp_path):
    texts = ["a\x85b c\u2028d e\u2029f g\x0bh i\x1cj k\x1dl m\x1en o\x1fp q\x0cr"] * 2 + ["z"]
    tok = Tokenizer(vocab_size=40, sequence_length=None, ngrams=2).fit(texts)
    assert {"a\x85b", "c\u2028d", "e\u2029f", "i\x1cj", "o\x1fp", "a\x85b c\u2028d"} \
        <= set(tok.vocabulary_)
    assert not any(c in w for w in tok.vocabulary_ for c in "\t\n\x0b\x0c\r")
    assert {"g", "h", "q", "r"} <= set(tok.vocabulary_)  # U+000B and U+000C split words
    tok.save(str(tmp_path))
    again = Tokenizer.load(str(tmp_path), 40, None, ngrams=2)
    assert again.vocabulary_ == tok.vocabulary_
    np.testing.assert_array_equal(again.transform(texts), tok.transform(texts))


def test_loaded_vocabulary_builds_the_layer(tmp_path):
    """The old loader split on U+0085, U+2028...: repeated terms and a failed export."""
    pytest.importorskip("tensorflow")
    import keras

    texts = ["a\x85b a\x85b c\u2028d e\u2029f i\x1cj a b c"]
    tok = Tokenizer(vocab_size=20, sequence_length=8).fit(texts)
    tok.save(str(tmp_path))
    again = Tokenizer.load(str(tmp_path), 20, 8)
    layer = again.layer()
    assert layer.get_vocabulary()[2:] == tok.vocabulary_
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(layer(np.array(texts, dtype=object))), again.transform(texts))


def test_transform_checks_the_vocabulary_as_the_layer_does():
    tok = Tokenizer(vocab_size=4, sequence_length=3)
    tok.vocabulary_ = ["a", "b", "a"]
    with pytest.raises(ValueError, match="do not fit"):
        tok.transform(["a"])
    tok.vocab_size = 10
    with pytest.raises(ValueError, match="repeated entries: \\['a'\\]"):
        tok.transform(["a"])


BLOCK_TENSORFLOW = textwrap.dedent("""
    import sys

    class BlockTensorFlow:
        def find_spec(self, name, path=None, target=None):
            if name.partition(".")[0].startswith("tensorflow"):
                raise ModuleNotFoundError(f"No module named {name!r} (blocked)", name=name)
            return None

    sys.meta_path.insert(0, BlockTensorFlow())
    try:
        import tensorflow  # noqa: F401
    except ModuleNotFoundError:
        pass
    else:
        raise SystemExit("the import of tensorflow was not blocked")

    import tempfile
    from cookbook.text import Tokenizer

    ids = Tokenizer(6, 4).fit(["a a b", "c\\x85d"]).transform(["A b zzz", "c\\x85d"])
    assert ids.tolist() == [[2, 3, 1, 0], [4, 0, 0, 0]], ids.tolist()
    bag = Tokenizer(8, None, ngrams=2).fit(["a b", "a b c"])
    with tempfile.TemporaryDirectory() as directory:
        bag.save(directory)
        bag = Tokenizer.load(directory, 8, None, ngrams=2)
    rows = bag.transform(["a b", "b a"])
    assert rows.tolist() == [[0, 1, 1, 1, 0, 0, 0, 0], [1, 1, 1, 0, 0, 0, 0, 0]], rows.tolist()
    assert not [m for m in sys.modules if m.startswith("tensorflow")], "tensorflow imported"
    print("ok")
""")


def test_transform_works_where_tensorflow_cannot_be_imported():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [ROOT] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    proc = subprocess.run([sys.executable, "-c", BLOCK_TENSORFLOW], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == "ok"
