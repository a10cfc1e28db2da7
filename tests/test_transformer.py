"""cookbook.layers.transformer and the imdb_transformer recipe: padding is masked everywhere."""

import os

import keras
import numpy as np
import pytest

import cookbook
from cookbook.layers import (PaddingMask, TokenAndPositionEmbedding, TransformerEncoder,
                             attention_to_tokens)
from conftest import write_reviews_csv

SMALL = dict(vocab_size=50, sequence_length=24, width=8, num_heads=2, feedforward_dim=8)


def trained(norm_first=True, num_blocks=2, dtype=None):
    """A small recipe after a few steps (its weights no longer at their start)."""
    keras.utils.set_random_seed(0)
    model = cookbook.recipes.imdb_transformer(**SMALL, num_blocks=num_blocks,
                                              norm_first=norm_first, dtype=dtype)
    rng = np.random.default_rng(0)
    x = rng.integers(2, 50, (32, 24)).astype("int32")
    for row, length in zip(x, rng.integers(3, 24, 32)):
        row[length:] = 0
    model.fit(x, rng.integers(0, 2, (32, 1)), batch_size=8, epochs=1, verbose=0)
    return model


def short_review(length=5):
    ids = np.zeros((1, 24), "int32")
    ids[0, :length] = [7, 3, 19, 42, 11][:length]
    return ids


@pytest.mark.parametrize("norm_first", [True, pytest.param(False, marks=pytest.mark.slow)])
def test_a_short_review_scores_the_same_alone_and_padded(norm_first):
    model = trained(norm_first)
    padded = short_review()
    alone = padded[:, :5]
    p_padded = model.predict(padded, verbose=0)
    np.testing.assert_allclose(model.predict(alone, verbose=0), p_padded, rtol=1e-5, atol=1e-6)
    # The padding is what is masked: a word in its place changes the score.
    changed = padded.copy()
    changed[0, 10] = 13
    assert abs(float(model.predict(changed, verbose=0)[0, 0]) - float(p_padded[0, 0])) > 1e-6


@pytest.mark.slow
def test_padding_is_masked_under_mixed_bfloat16():
    model = trained(dtype="mixed_bfloat16")
    padded = short_review()
    p_alone = model.predict(padded[:, :5], verbose=0)
    assert p_alone.dtype == np.float32
    np.testing.assert_allclose(p_alone, model.predict(padded, verbose=0), atol=1e-2)


def test_no_query_attends_to_padding():
    model = trained()
    ids = np.concatenate([short_review(5), short_review(3)])
    weights = attention_to_tokens(model, ids)
    assert weights.shape == (2, 24)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=1e-5)
    assert np.all(weights[0, 5:] == 0) and np.all(weights[1, 3:] == 0)
    assert np.all(weights[0, :5] > 0)
    block = model.get_layer("encoder_2")
    x = keras.ops.convert_to_tensor(np.random.default_rng(1).normal(size=(2, 24, 8)), "float32")
    _, scores = block(x, PaddingMask()(ids), return_attention_scores=True)
    scores = keras.ops.convert_to_numpy(scores)           # (batch, heads, query, key)
    assert scores.shape == (2, 2, 24, 24)
    assert np.all(scores[0, :, :, 5:] < 1e-6) and np.all(scores[1, :, :, 3:] < 1e-6)


def test_a_review_of_only_padding_gives_a_finite_score():
    model = trained()
    p = model.predict(np.zeros((1, 24), "int32"), verbose=0)
    assert np.all(np.isfinite(p))


def test_sequences_longer_than_the_positions_fail_clearly():
    model = cookbook.recipes.imdb_transformer(**SMALL)
    with pytest.raises(ValueError, match="up to 24 tokens"):
        model.predict(np.ones((1, 30), "int32"), verbose=0)


def test_width_must_split_over_the_heads():
    with pytest.raises(ValueError, match="not a multiple of num_heads"):
        cookbook.recipes.imdb_transformer(**{**SMALL, "num_heads": 3})


@pytest.mark.slow
def test_layers_round_trip_through_a_keras_file(tmp_path):
    model = trained(norm_first=False)
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    ids = np.concatenate([short_review(5), short_review(2)])
    np.testing.assert_allclose(loaded.predict(ids, verbose=0), model.predict(ids, verbose=0),
                               rtol=1e-6)
    block = loaded.get_layer("encoder_1")
    assert isinstance(block, TransformerEncoder) and block.norm_first is False
    assert isinstance(loaded.get_layer("embedding"), TokenAndPositionEmbedding)


@pytest.mark.slow
def test_the_run_report_shows_the_words_attended_to(tmp_path):
    csv = write_reviews_csv(tmp_path / "reviews.csv", n=60)
    out = str(tmp_path / "run")
    cookbook.train("imdb_transformer", out=out, overrides={
        "data.source": csv, "fit.epochs": 1, "fit.verbose": 0,
        **{f"model.{k}": v for k, v in SMALL.items() if k != "sequence_length"},
        "model.sequence_length": 40})
    assert os.path.getsize(os.path.join(out, "attention.png")) > 0
    with open(os.path.join(out, "report.md")) as f:
        report = f.read()
    assert "![attention](attention.png)" in report
    section = report.split("## Words attended to most")[1].split("##")[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "**" in line]
    assert len(rows) == 4  # two test reviews of each class
    for row in rows:
        cells = row.strip("| ").split(" | ")
        assert not cells[3].endswith("...")  # the test reviews are shown whole
        shown = [part.split("**")[1] for part in cells[2].split(", ")]
        assert shown and set(shown) <= set(cookbook.text.words(cells[3])), row
