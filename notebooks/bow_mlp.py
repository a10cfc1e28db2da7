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
# # Movie review sentiment from a bag of words
#
# The fast baseline for IMDB sentiment: forget word order, keep which words and word pairs
# ("not good") occur, and feed that vector of zeros and ones to a small MLP. It trains in a
# fraction of the LSTM's time. With no network, point `DATA` at a CSV with columns
# `review,sentiment` or at the `aclImdb/` folder.

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
RUN_DIR = "runs/notebook_bow_mlp"

# %%
# %matplotlib inline
import numpy as np

from cookbook import notebook_helpers as nb
from cookbook.run_dir import RunDir

# %% [markdown]
# ## The data
#
# Each example is a review as its author wrote it and its label, positive or negative; the two
# classes are the same size.

# %%
data = nb.load_data("bow_mlp", DATA)
nb.print_reviews(data)

# %%
nb.plot_class_balance(data)

# %% [markdown]
# Reviews run from a line to a few pages. To a bag of words the length hardly matters: a long
# review switches on more entries of the same vector, and the cost of a step stays the same.

# %%
nb.plot_lengths(data.x_train)

# %% [markdown]
# ## Training
#
# `nb.train` runs `cookbook.train` on the data above: it learns the vocabulary (words and word
# pairs) from the training reviews, holds out 10% of them for early stopping, redraws the
# learning curves after every epoch (`LivePlot`) and scores the test split at the end.

# %%
result = nb.train("bow_mlp", data, RUN_DIR, epochs=EPOCHS, model=MODEL)
result.metrics["test"]

# %% [markdown]
# Dropout on the input vector, one small ReLU layer, dropout again and a sigmoid unit: the
# probability that the review is positive. Nearly all the weights are in the first layer, one row
# per vocabulary entry.

# %%
result.model.summary()

# %% [markdown]
# ## What the model sees
#
# The tokenizer lower-cases the review, strips punctuation and splits it into words; with
# `ngrams=2` each pair of neighbouring words is a term too. The model gets one entry per term of
# the vocabulary, 1 if the review holds it; entry 0 stands for every term outside it. Counts and
# order are gone.

# %%
x_test, probs = nb.predict_test_split(result, data)
tokenizer = RunDir(result.out).tokenizer()
vocabulary = ["[oov]"] + tokenizer.vocabulary_
pairs = sum(" " in term for term in tokenizer.vocabulary_)
print(f"{len(vocabulary)} entries: {len(vocabulary) - 1 - pairs} words, {pairs} word pairs")
bag = x_test[np.array([0])][0]
print(f"the first test review switches on {bag.sum()} of {bag.size} entries:")
print(", ".join(vocabulary[i] for i in np.flatnonzero(bag)[:40]))

# %% [markdown]
# Word pairs are what lets a bag of words read a negation: both texts below hold the words "good",
# "not" and "bad", and only the pairs tell them apart (when they are in the vocabulary).

# %%
for text in ["good, not bad", "bad, not good"]:
    terms = [vocabulary[i] for i in np.flatnonzero(tokenizer.transform([text])[0])]
    print(f"{text!r}: {terms}")

# %% [markdown]
# ## Typical mistakes
#
# Rows are the true labels, columns the predicted ones: a bag of words that leans to one side
# calls too many reviews positive, or negative.

# %%
nb.plot_confusion_matrix(data, probs)

# %% [markdown]
# The reviews it gets wrong most confidently: those whose words point one way and whose verdict
# the other ("the cast is excellent, the direction superb, and yet..."), irony, and long plot
# summaries whose words describe the story rather than the film.

# %%
nb.print_mistakes(data.x_test, data.y_test, probs, data.class_names)

# %% [markdown]
# ## Knobs
#
# - `vocab_size` (default 20,000): the entries of the vector, out-of-vocabulary included; words
#   and pairs compete for them, most frequent first.
# - `ngrams` (2): 2 adds word pairs to single words; 1 keeps single words, and "not good" is then
#   just "not" and "good".
# - `hidden_units` (32): the width of the hidden layer; the input is wide and sparse, so a
#   narrow layer is enough.
# - `dropout` (0.5): dropout on the input vector and on the hidden layer; dropping input entries
#   teaches the model not to rely on any single word.
# - `learning_rate` (0.001): Adam's step size.
# - `fit.epochs` (4), `fit.batch_size` (128) and `fit.early_stopping_patience` (1): a bag of
#   words fits the training reviews within a few epochs; training stops at the first epoch
#   without a better validation loss and keeps the best.
#
# Set them with `MODEL` and `EPOCHS` above; the table shows the defaults and what this run used.

# %%
nb.print_settings(result)

# %% [markdown]
# ## Predict on a file of reviews
#
# `cookbook.predict` reads a text file of one review a line (or a CSV with a `review` column),
# builds each bag of words with the run's vocabulary of words and pairs, as
# `cookbook predict RUN_DIR --file reviews.txt` does.

# %%
nb.predict_file(result, data.x_test)

# %% [markdown]
# ## Export and serve
#
# The SavedModel builds the bag of words itself (a `TextVectorization` layer holding the words and
# pairs), so a client sends raw review strings. It is checked against the Keras model, then called
# the way TF Serving would call it.

# %%
nb.serve(result, data.x_test[:2])
