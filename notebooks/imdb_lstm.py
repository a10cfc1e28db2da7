# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Movie review sentiment with an LSTM
#
# 50,000 IMDB reviews, each positive or negative. The recipe turns text into token ids in the
# data pipeline, reads short phrases with a convolution and the whole review with a bidirectional
# LSTM. The exported model takes raw review strings. With no network, point `DATA` at a CSV with
# columns `review,sentiment` or at the `aclImdb/` folder of the original archive.

# %% [markdown]
# ## Settings
#
# The budget and the data. Change them here, or pass other values when running the notebook as
# a job (the cell is tagged `parameters`). A finished run in `RUN_DIR` is never overwritten: with
# the same settings it is reused, otherwise this run goes to `RUN_DIR-2`.

# %% tags=["parameters"]
EPOCHS = None   # None: the recipe's own default
DATA = "auto"
MODEL = {}     # hyper-parameters to override, e.g. {"learning_rate": 0.001}
RUN_DIR = "runs/notebook_imdb_lstm"

# %%
# %matplotlib inline
import numpy as np

from cookbook import notebook_helpers as nb
from cookbook.run_dir import RunDir

# %% [markdown]
# ## The data
#
# Each example is a review as its author wrote it, HTML line breaks (`<br />`) included, and its
# label. IMDB kept only clear verdicts (7 stars or more, 4 or fewer), half of each.

# %%
data = nb.load_data("imdb_lstm", DATA)
nb.print_reviews(data)

# %%
nb.plot_class_balance(data)

# %% [markdown]
# Reviews run from a line to a few pages: the median is under two hundred words, a few run past a
# thousand. The LSTM reads them word by word, so their length sets the cost of training.

# %%
nb.plot_lengths(data.x_train)

# %% [markdown]
# ## Training
#
# `nb.train` runs `cookbook.train` on the data above: it learns the vocabulary from the training
# reviews, holds out 10% of them for early stopping, redraws the learning curves after every
# epoch (`LivePlot`) and scores the test split at the end.

# %%
result = nb.train("imdb_lstm", data, RUN_DIR, epochs=EPOCHS, model=MODEL)
result.metrics["test"]

# %% [markdown]
# Token ids go through an embedding (one learned vector per word), spatial dropout, a 1-D
# convolution that reads phrases of `conv_width` words and a max-pooling that shortens the
# sequence `pool_size` times; the bidirectional LSTM reads what is left forwards and backwards,
# and a max over time keeps the strongest evidence from anywhere in the review.

# %%
result.model.summary()

# %% [markdown]
# ## What the model sees
#
# The tokenizer lower-cases the review, strips punctuation (so `<br />` leaves the word "br") and
# maps each word to its rank in the vocabulary: id 0 is padding, id 1 any word outside the
# vocabulary. Every review becomes exactly `sequence_length` ids: longer ones are cut at the end,
# shorter ones padded with zeros.

# %%
x_test, probs = nb.predict_test_split(result, data)
tokenizer = RunDir(result.out).tokenizer()
vocabulary = ["[pad]", "[oov]"] + tokenizer.vocabulary_
print(f"ids per review: {x_test.shape[1]}; vocabulary: {len(vocabulary)} ids")
print("first ids:", x_test[0, :30])
print("read back:", " ".join(vocabulary[i] for i in x_test[0, :30]))

# %% [markdown]
# How much of the text survives: the share of words outside the vocabulary, and of reviews cut
# because they are longer than `sequence_length` (their ending, often the verdict, is lost).

# %%
words = x_test[x_test > 0]
print(f"words outside the vocabulary: {np.mean(words == 1):.1%}")
print(f"reviews cut at {x_test.shape[1]} words: {np.mean(x_test[:, -1] > 0):.0%}")
print(f"padding: {np.mean(x_test == 0):.0%} of all positions")

# %% [markdown]
# ## Typical mistakes
#
# Rows are the true labels, columns the predicted ones; the two kinds of error should be about as
# frequent, the classes being the same size.

# %%
nb.plot_confusion_matrix(data, probs)

# %% [markdown]
# The reviews it gets wrong most confidently: mixed reviews that praise the actors and pan the
# film, irony, comparisons with other films, and verdicts that come after the cut.

# %%
nb.print_mistakes(data.x_test, data.y_test, probs, data.class_names)

# %% [markdown]
# ## Knobs
#
# - `vocab_size` (default 20,000): the ids, padding and out-of-vocabulary included; rarer words
#   all become id 1.
# - `sequence_length` (400): the words kept per review; longer reviews lose their end, and the
#   cost of a step grows with it.
# - `embedding_dim` (64): the size of each word's learned vector.
# - `conv_filters` (64), `conv_width` (5) and `pool_size` (4): the phrase reader in front of the
#   LSTM; pooling by 4 lets the LSTM read 400 words in 100 steps. `conv_filters=0` removes both.
# - `lstm_units` (32): the LSTM's units in each direction.
# - `dropout` (0.3) and `learning_rate` (0.002): dropout on the embeddings and before the output,
#   and Adam's step size.
# - `fit.epochs` (3) and `fit.early_stopping_patience` (1): the LSTM overfits after two or three
#   epochs; training stops at the first epoch without a better validation loss and keeps the best.
#
# Set them with `MODEL` and `EPOCHS` above; the table shows the defaults and what this run used.

# %%
nb.print_settings(result)

# %% [markdown]
# ## Predict on a file of reviews
#
# `cookbook.predict` turns each line of a text file (or each `review` of a CSV) into ids with the
# run's vocabulary, as `cookbook predict RUN_DIR --file reviews.txt` does.

# %%
nb.predict_file(result, data.x_test)

# %% [markdown]
# ## Export and serve
#
# The SavedModel holds the vocabulary and cuts or pads every review to `sequence_length` ids
# itself, so a client sends raw strings. It is checked against the Keras model, then called the
# way TF Serving would call it.

# %%
nb.serve(result, data.x_test[:2])
