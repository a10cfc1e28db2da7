"""Recipes on movie reviews (IMDB sentiment)."""

from __future__ import annotations  # Keras is imported when a recipe is built

from typing import TYPE_CHECKING

from cookbook.preprocessors import TextPreprocessor
from cookbook.precision import output_dtype, scale_loss
from cookbook.registry import Target, register

if TYPE_CHECKING:
    import keras


@register(
    dataset="imdb_reviews",
    preprocessor=lambda hp: TextPreprocessor(hp["vocab_size"], hp["sequence_length"]),
    targets=Target("accuracy", 0.89, "held-out 20% of 39.6k reviews, mean of 3 split seeds",
                   source="imdb"),
    fit={"epochs": 3, "batch_size": 64, "early_stopping_patience": 1},
)
def imdb_lstm(
    *,
    vocab_size: int = 20000,
    sequence_length: int = 400,
    embedding_dim: int = 64,
    conv_filters: int = 64,
    conv_width: int = 5,
    pool_size: int = 4,
    lstm_units: int = 32,
    dropout: float = 0.3,
    learning_rate: float = 0.002,
    dtype=None,
) -> keras.Model:
    """Bidirectional LSTM sentiment classifier over token ids, with a convolutional front end.

    A 1-D convolution reads short phrases and max-pooling shortens the sequence `pool_size`
    times before the bidirectional LSTM, which is the slow, step-by-step part: the LSTM sees
    400 tokens in 100 steps, so longer reviews fit in less time than a plain LSTM over 200.
    Max-pooling the LSTM's outputs over time feeds the classifier the strongest evidence from
    anywhere in the review.

    Text is tokenized in the data pipeline (`cookbook.text.Tokenizer`, with the same
    `vocab_size` and `sequence_length`), so the model itself runs on any backend; the exported
    SavedModel bakes the vocabulary in and takes raw review strings.

    The LSTM keeps the conditions of the fused cuDNN kernel on GPU: default activations, no
    recurrent dropout, no masking (padding is at the end and the max-pooling over time makes it
    harmless).

    Args:
        vocab_size: number of token ids, padding (0) and out-of-vocabulary (1) included.
        sequence_length: tokens per review; longer reviews are cut, shorter ones padded.
        embedding_dim: size of the token embeddings.
        conv_filters: filters of the convolution (0 leaves the convolution and pooling out).
        conv_width: tokens each filter reads.
        pool_size: factor by which max-pooling shortens the sequence.
        lstm_units: units of the LSTM in each direction.
        dropout: dropout rate on the embeddings and before the output.
        learning_rate: Adam learning rate.
        dtype: Keras dtype policy, e.g. `"mixed_bfloat16"` (see `cookbook.precision`); the
            output layer computes in float32. Default float32.

    Returns:
        A compiled model mapping `tokens` of shape `(batch, sequence_length)` to the probability
        that the review is positive, shape `(batch, 1)`.

    Example:

    ```python
    tokenizer = cookbook.text.Tokenizer(vocab_size=20000, sequence_length=400)
    tokenizer.fit(train_reviews)
    model = cookbook.recipes.imdb_lstm()
    model.fit(tokenizer.transform(train_reviews), labels, epochs=2)
    ```
    """
    import keras

    inputs = keras.Input(shape=(sequence_length,), dtype="int32", name="tokens")
    x = keras.layers.Embedding(vocab_size, embedding_dim, name="embedding", dtype=dtype)(inputs)
    if dropout:
        x = keras.layers.SpatialDropout1D(dropout, dtype=dtype)(x)
    if conv_filters:
        x = keras.layers.Conv1D(conv_filters, conv_width, padding="same", activation="relu",
                                name="phrases", dtype=dtype)(x)
        x = keras.layers.MaxPooling1D(pool_size, dtype=dtype)(x)
    lstm = keras.layers.LSTM(lstm_units, return_sequences=True, dtype=dtype)
    x = keras.layers.Bidirectional(lstm, dtype=dtype)(x)
    x = keras.layers.GlobalMaxPooling1D(dtype=dtype)(x)
    if dropout:
        x = keras.layers.Dropout(dropout, dtype=dtype)(x)
    outputs = keras.layers.Dense(1, activation="sigmoid", name="probability",
                                 dtype=output_dtype(dtype))(x)
    model = keras.Model(inputs, outputs, name="imdb_lstm")
    model.compile(
        optimizer=scale_loss(keras.optimizers.Adam(learning_rate), dtype),
        loss="binary_crossentropy",
        metrics=[keras.metrics.BinaryAccuracy(name="accuracy")],
    )
    return model


@register(
    dataset="imdb_reviews",
    preprocessor=lambda hp: TextPreprocessor(hp["vocab_size"], None, hp["ngrams"]),
    targets=Target("accuracy", 0.89, "held-out 20% of 39.6k reviews, mean of 3 split seeds",
                   source="imdb", note="in a fraction of imdb_lstm's time"),
    fit={"epochs": 4, "batch_size": 128, "early_stopping_patience": 1},
)
def bow_mlp(
    *,
    vocab_size: int = 20000,
    ngrams: int = 2,
    hidden_units: int = 32,
    dropout: float = 0.5,
    learning_rate: float = 0.001,
    dtype=None,
) -> keras.Model:
    """Bag-of-words sentiment classifier: which words and word pairs occur, into a small MLP.

    The fast baseline next to `imdb_lstm`. Text becomes a multi-hot vector in the data pipeline
    (`cookbook.text.Tokenizer(vocab_size, sequence_length=None, ngrams=ngrams)`); the exported
    SavedModel bakes the vocabulary in and takes raw review strings. An empty review or one of
    unknown words only is a vector of zeros (bar the out-of-vocabulary entry) and gets the
    model's prior.

    Args:
        vocab_size: entries of the bag-of-words vector, the out-of-vocabulary entry included.
        ngrams: 2 adds word pairs ("not good") to single words; 1 keeps single words.
        hidden_units: width of the hidden ReLU layer.
        dropout: dropout rate on the input and the hidden layer.
        learning_rate: Adam learning rate.
        dtype: Keras dtype policy, e.g. `"mixed_bfloat16"` (see `cookbook.precision`); the
            output layer computes in float32. Default float32.

    Returns:
        A compiled model mapping `tokens` of shape `(batch, vocab_size)` (0/1) to the
        probability that the review is positive, shape `(batch, 1)`.

    Example:

    ```python
    tokenizer = cookbook.text.Tokenizer(vocab_size=20000, sequence_length=None, ngrams=2)
    tokenizer.fit(train_reviews)
    model = cookbook.recipes.bow_mlp()
    model.fit(tokenizer.transform(train_reviews), labels, epochs=3)
    ```
    """
    import keras

    inputs = keras.Input(shape=(vocab_size,), name="tokens")
    x = keras.layers.Dropout(dropout, dtype=dtype)(inputs) if dropout else inputs
    x = keras.layers.Dense(hidden_units, activation="relu", name="hidden", dtype=dtype)(x)
    if dropout:
        x = keras.layers.Dropout(dropout, dtype=dtype)(x)
    outputs = keras.layers.Dense(1, activation="sigmoid", name="probability",
                                 dtype=output_dtype(dtype))(x)
    model = keras.Model(inputs, outputs, name="bow_mlp")
    model.compile(
        optimizer=scale_loss(keras.optimizers.Adam(learning_rate), dtype),
        loss="binary_crossentropy",
        metrics=[keras.metrics.BinaryAccuracy(name="accuracy")],
    )
    return model


@register(
    dataset="imdb_reviews",
    preprocessor=lambda hp: TextPreprocessor(hp["vocab_size"], hp["sequence_length"]),
    targets=Target("accuracy", 0.89, "held-out 20% of 39.6k reviews, mean of 3 split seeds",
                   source="imdb"),
    fit={"epochs": 2, "batch_size": 32},
)
def imdb_transformer(
    *,
    vocab_size: int = 20000,
    sequence_length: int = 512,
    width: int = 32,
    num_heads: int = 2,
    feedforward_dim: int = 64,
    num_blocks: int = 1,
    norm_first: bool = True,
    token_dropout: float = 0.2,
    dropout: float = 0.1,
    learning_rate: float = 0.001,
    decay_steps: int = 1780,
    weight_decay: float = 0.01,
    dtype=None,
) -> keras.Model:
    """Transformer encoder sentiment classifier over token ids, trained from scratch.

    Token and position embeddings, `num_blocks` encoder blocks of multi-head self-attention and
    a feed-forward network (`cookbook.layers.TransformerEncoder`), the average of the last
    block's outputs over the review's real tokens, and one sigmoid output. Padding (id 0) is
    masked in every block's attention and in the average, so a review scores the same alone
    and padded; the model takes sequences of any length up to `sequence_length`. An empty
    review (padding only) gets the model's prior.

    Text is tokenized in the data pipeline (`cookbook.text.Tokenizer`, with the same
    `vocab_size` and `sequence_length`), so the model runs on any backend; the exported
    SavedModel bakes the vocabulary in and takes raw review strings.

    Args:
        vocab_size: number of token ids, padding (0) and out-of-vocabulary (1) included.
        sequence_length: tokens per review; longer reviews are cut, shorter ones padded.
        width: size of the embeddings and of every block's output.
        num_heads: attention heads per block (`width` must be a multiple).
        feedforward_dim: hidden width of each block's feed-forward network.
        num_blocks: encoder blocks.
        norm_first: layer normalization before each sub-layer (pre-norm) or after (post-norm).
        token_dropout: share of whole tokens dropped from the input in training.
        dropout: dropout rate in the blocks and before the output.
        learning_rate: AdamW's starting learning rate.
        decay_steps: the learning rate falls along a cosine from `learning_rate` to 0 over this
            many steps and stays at 0 after them (1780: two epochs of 28,500 reviews at batch
            32, the defaults' two; raise it with `fit.epochs` or more data). 0 keeps the rate
            constant. One epoch scored 0.8895 on average over 3 split seeds, below 0.89, two
            0.8923 (`benchmarks/bench_imdb_seeds.py`).
        weight_decay: AdamW weight decay.
        dtype: Keras dtype policy, e.g. `"mixed_bfloat16"` (see `cookbook.precision`); the
            output layer computes in float32. Default float32.

    Returns:
        A compiled model mapping `tokens` of shape `(batch, length)`, `length <=
        sequence_length`, to the probability that the review is positive, shape `(batch, 1)`.

    Example:

    ```python
    tokenizer = cookbook.text.Tokenizer(vocab_size=20000, sequence_length=512)
    tokenizer.fit(train_reviews)
    model = cookbook.recipes.imdb_transformer()
    model.fit(tokenizer.transform(train_reviews), labels, batch_size=32, epochs=2)
    ```
    """
    import keras

    from cookbook.layers import (MaskedAverage, PaddingMask, TokenAndPositionEmbedding,
                                 TransformerEncoder)

    inputs = keras.Input(shape=(None,), dtype="int32", name="tokens")
    mask = PaddingMask(name="padding_mask")(inputs)
    x = TokenAndPositionEmbedding(vocab_size, sequence_length, width, name="embedding",
                                  dtype=dtype)(inputs)
    if token_dropout:
        # Whole tokens dropped (their embedding zeroed), so no single word decides a review.
        x = keras.layers.Dropout(token_dropout, noise_shape=(None, None, 1), name="token_dropout",
                                 dtype=dtype)(x)
    for i in range(num_blocks):
        x = TransformerEncoder(num_heads, feedforward_dim, dropout=dropout,
                               norm_first=norm_first, name=f"encoder_{i + 1}", dtype=dtype)(x, mask)
    if norm_first:
        x = keras.layers.LayerNormalization(epsilon=1e-5, name="final_norm", dtype=dtype)(x)
    x = MaskedAverage(name="average", dtype=dtype)(x, mask)
    if dropout:
        x = keras.layers.Dropout(dropout, dtype=dtype)(x)
    outputs = keras.layers.Dense(1, activation="sigmoid", name="probability",
                                 dtype=output_dtype(dtype))(x)
    model = keras.Model(inputs, outputs, name="imdb_transformer")
    schedule = (keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps)
                if decay_steps else learning_rate)
    model.compile(
        optimizer=scale_loss(keras.optimizers.AdamW(schedule, weight_decay=weight_decay), dtype),
        loss="binary_crossentropy",
        metrics=[keras.metrics.BinaryAccuracy(name="accuracy")],
    )
    return model
