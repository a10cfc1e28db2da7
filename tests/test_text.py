import numpy as np

from cookbook.text import Tokenizer


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


def test_vocabulary_matches_the_layers_own_adapt():
    """Counting in Python gives the vocabulary TextVectorization.adapt would give."""
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
    layer_vocab = tok.layer().get_vocabulary()
    assert rows[0].tolist() == [int(w in ("good", "not", "not good")) for w in layer_vocab]
    assert rows[1].sum() == 0 and rows[2].tolist() == [1, 0, 0, 0, 0, 0]  # OOV entry only
