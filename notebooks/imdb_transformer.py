# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Movie review sentiment with a Transformer
#
# The same 50,000 IMDB reviews as the LSTM and bag-of-words notebooks, read by self-attention:
# every word looks at every other word of the review at once, instead of one after the other.
# The model is small and trained from scratch (no pretrained weights), one pass over the data.
# With no network, point `DATA` at a CSV with columns `review,sentiment` or at the `aclImdb/`
# folder of the original archive.

# %% [markdown]
# ## Settings
#
# The budget and the data. Change them here, or pass other values when running the notebook as
# a job (the cell is tagged `parameters`). A finished run in `RUN_DIR` is never overwritten: with
# the same settings it is reused, otherwise this run goes to `RUN_DIR-2`.

# %% tags=["parameters"]
EPOCHS = None   # None: the recipe's own default
DATA = "auto"
MODEL = {}     # hyper-parameters to override, e.g. {"num_blocks": 2}
RUN_DIR = "runs/notebook_imdb_transformer"

# %%
# %matplotlib inline
import numpy as np

from cookbook import notebook_helpers as nb
from cookbook.layers import attention_to_tokens

# %% [markdown]
# ## The data
#
# A review as its author wrote it and its label, half of each. What matters for this model is
# their length: attention compares every word with every other, so a review twice as long costs
# four times as much in the attention layers.

# %%
data = nb.load_data("imdb_transformer", DATA)
nb.print_reviews(data)

# %%
nb.plot_lengths(data.x_train)

# %% [markdown]
# ## Training
#
# `nb.train` runs `cookbook.train`: it learns the vocabulary from the training reviews, holds
# out 10% of them to watch the validation loss, redraws the learning curves after each epoch and
# scores the test split at the end. Two epochs are the default: the learning rate falls along a
# cosine to zero over them. One epoch averaged 0.8895 test accuracy over three splits of the
# reviews, just under 0.89; two average 0.8923 (`benchmarks/bench_imdb_seeds.py`).

# %%
result = nb.train("imdb_transformer", data, RUN_DIR, epochs=EPOCHS, model=MODEL)
result.metrics["test"]

# %% [markdown]
# Token ids become vectors (`embedding`: one learned vector per word plus one per position, so
# word order is visible), a share of whole words is dropped in training (`token_dropout`), one
# encoder block mixes each word with the words it attends to and passes the result through a
# small feed-forward network, and the average over the review's words feeds one sigmoid.
# `padding_mask` marks the padding: no word attends to it and the average leaves it out.

# %%
result.model.summary()

# %% [markdown]
# ## What the model sees
#
# Every review is `sequence_length` token ids, cut at the end or padded with zeros. The mask is
# what makes the padding invisible: the same review scores the same with its padding and
# without it (the model takes any length up to `sequence_length`).

# %%
x_test, probs = nb.predict_test_split(result, data)
ids = x_test[:1]
alone = ids[:, : max(int((ids > 0).sum()), 1)]
print(f"{ids.shape[1]} ids, {alone.shape[1]} of them words")
print("padded:", result.model.predict(ids, verbose=0)[0, 0],
      " alone:", result.model.predict(alone, verbose=0)[0, 0])

# %% [markdown]
# Attention is a weighting: for each word, how much of every other word it takes in. Averaged
# over the heads and over the words of a review, it says which words the last block read most.
# Sentiment words ("worst", "great", "excellent") usually stand out; so do a few common words
# the model uses as anchors. Padding gets exactly zero.

# %%
weights = attention_to_tokens(result.model, x_test[:1])
print(f"attention on padding: {weights[0][x_test[0] == 0].sum():.1e}; "
      f"on words: {weights[0][x_test[0] > 0].sum():.3f}")
nb.plot_attention(result, data, x_test, probs)

# %% [markdown]
# ## Typical mistakes
#
# Rows are the true labels, columns the predicted ones.

# %%
nb.plot_confusion_matrix(data, probs)

# %% [markdown]
# The reviews it gets wrong most confidently: like the LSTM, mixed reviews, irony and verdicts
# cut off after `sequence_length` words.

# %%
nb.print_mistakes(data.x_test, data.y_test, probs, data.class_names)

# %% [markdown]
# ## Knobs
#
# - `sequence_length` (512): the words kept per review. Longer keeps more verdicts (512 covers
#   most reviews whole) and costs attention time growing with its square.
# - `width` (32), `num_heads` (2), `feedforward_dim` (64), `num_blocks` (1): the model's size.
#   On a CPU they cost time at once; on a GPU wider models and more blocks are cheap, and
#   `--precision mixed_bfloat16` halves the memory of the attention weights.
# - `norm_first` (true): layer normalization before each sub-layer (pre-norm) trains steadily
#   without a warm-up; false gives the original post-norm block.
# - `token_dropout` (0.2) and `dropout` (0.1): whole words dropped from the input in training,
#   and dropout inside the block and before the output.
# - `learning_rate` (0.001), `decay_steps` (1780: two epochs of 28,500 reviews at batch 32),
#   `weight_decay` (0.01): AdamW with a cosine decay to zero.
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
# The SavedModel holds the vocabulary and pads every review to `sequence_length` ids itself, so
# a client sends raw strings. It is checked against the Keras model, then called the way TF
# Serving would call it.

# %%
nb.serve(result, data.x_test[:2])
