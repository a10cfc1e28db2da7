"""The pieces of a Transformer text encoder, in `keras.layers` and `keras.ops` only.

- `PaddingMask`: token ids to a boolean mask, True on real tokens (id 0 is padding);
- `TokenAndPositionEmbedding`: learned token embeddings plus learned position embeddings;
- `MaskedAverage`: the average over a sequence's real tokens;
- `TransformerEncoder`: one encoder block, multi-head self-attention then a feed-forward
  network, each with dropout, a residual connection and layer normalization (before the
  sub-layer with `norm_first=True`, after it otherwise);
- `attention_to_tokens`: how much attention each token of a batch receives in a model's last
  block, for plots of what the model read.

Padding is masked explicitly: the mask goes into every block's attention (no query attends to a
padding key) and into the pooling, so a review scores the same whether it is padded or not.
Every op compiles under XLA (`jax.jit`, `tf.function(jit_compile=True)`); under a mixed dtype
policy the blocks compute in bfloat16/float16 and keep float32 weights.

Example:

```python
tokens = keras.Input(shape=(None,), dtype="int32")
mask = PaddingMask()(tokens)
x = TokenAndPositionEmbedding(20000, 400, 64)(tokens)
x = TransformerEncoder(num_heads=2, feedforward_dim=128)(x, mask)
x = MaskedAverage()(x, mask)
```
"""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="cookbook")
class PaddingMask(keras.layers.Layer):
    """True where `tokens` holds a token, False on padding (id 0). Output shape = input shape."""

    def __init__(self, **kwargs):
        kwargs.setdefault("dtype", "bool")  # the output is a mask whatever the model's policy
        super().__init__(**kwargs)

    def call(self, tokens):
        return ops.not_equal(tokens, 0)

    def compute_output_spec(self, tokens):
        return keras.KerasTensor(tokens.shape, dtype="bool")


@keras.saving.register_keras_serializable(package="cookbook")
class MaskedAverage(keras.layers.Layer):
    """The average over the real positions of a sequence: `(x, padding_mask)` to `(batch,
    width)`. A sequence of padding only averages to zeros (Keras' `GlobalAveragePooling1D`
    divides by zero there and gives NaN)."""

    def call(self, inputs, padding_mask):
        mask = ops.expand_dims(ops.cast(padding_mask, inputs.dtype), -1)
        total = ops.sum(inputs * mask, axis=1)
        return total / ops.maximum(ops.sum(mask, axis=1), ops.cast(1, inputs.dtype))

    def compute_output_shape(self, inputs_shape, padding_mask_shape=None):
        return (inputs_shape[0], inputs_shape[2])


@keras.saving.register_keras_serializable(package="cookbook")
class TokenAndPositionEmbedding(keras.layers.Layer):
    """Token embeddings plus learned position embeddings.

    Args:
        vocab_size: number of token ids.
        max_length: the longest sequence it takes (one position embedding per position);
            shorter sequences take the first positions.
        embedding_dim: size of both embeddings.

    Takes int token ids `(batch, length)` with `length <= max_length`, gives
    `(batch, length, embedding_dim)`.
    """

    def __init__(self, vocab_size, max_length, embedding_dim, **kwargs):
        super().__init__(**kwargs)
        self.vocab_size, self.max_length = vocab_size, max_length
        self.embedding_dim = embedding_dim
        self.tokens = keras.layers.Embedding(vocab_size, embedding_dim, dtype=self.dtype_policy,
                                             name="tokens")
        self.positions = keras.layers.Embedding(max_length, embedding_dim,
                                                dtype=self.dtype_policy, name="positions")

    def build(self, input_shape):
        self.tokens.build(input_shape)
        self.positions.build((input_shape[-1],))

    def call(self, tokens):
        length = tokens.shape[-1]
        if length is not None and length > self.max_length:
            # Checked while tracing: a gather past the table fails on TensorFlow and clamps
            # silently on JAX.
            raise ValueError(f"{self.name} takes sequences of up to {self.max_length} tokens "
                             f"(max_length), got {length}; cut them or build the model with a "
                             f"longer sequence_length")
        length = ops.shape(tokens)[-1]
        return self.tokens(tokens) + self.positions(ops.arange(length))

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.embedding_dim)

    def get_config(self):
        return {**super().get_config(), "vocab_size": self.vocab_size,
                "max_length": self.max_length, "embedding_dim": self.embedding_dim}


@keras.saving.register_keras_serializable(package="cookbook")
class TransformerEncoder(keras.layers.Layer):
    """One Transformer encoder block: self-attention and a feed-forward network.

    Args:
        num_heads: attention heads; each has `width / num_heads` dimensions.
        feedforward_dim: width of the feed-forward network's hidden ReLU layer.
        dropout: dropout rate on each sub-layer's output and in the feed-forward network.
        attention_dropout: dropout rate on the attention weights (one random draw per query and
            key: costly for long sequences on CPUs).
        norm_first: layer normalization before each sub-layer (pre-norm, steadier without a
            learning-rate warm-up) or after its residual sum (post-norm, the original).
        epsilon: the layer normalizations' epsilon.

    Call with `(x, padding_mask)`: `x` of shape `(batch, length, width)` and `padding_mask`
    `(batch, length)`, True on real tokens (None attends to every position). Gives the shape of
    `x`; with `return_attention_scores=True`, also the attention weights
    `(batch, num_heads, length, length)`.
    """

    def __init__(self, num_heads, feedforward_dim, dropout=0.1, attention_dropout=0.0,
                 norm_first=True, epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        self.num_heads, self.feedforward_dim = num_heads, feedforward_dim
        self.dropout, self.attention_dropout = dropout, attention_dropout
        self.norm_first, self.epsilon = norm_first, epsilon

    def build(self, inputs_shape, padding_mask_shape=None):
        input_shape = inputs_shape  # Keras names build()'s arguments after call()'s
        width = input_shape[-1]
        if width % self.num_heads:
            raise ValueError(f"the model width {width} is not a multiple of num_heads "
                             f"{self.num_heads}")
        policy = self.dtype_policy
        self.attention = keras.layers.MultiHeadAttention(
            self.num_heads, width // self.num_heads, dropout=self.attention_dropout, dtype=policy,
            name="attention")
        self.attention.build(input_shape, input_shape)
        self.hidden = keras.layers.Dense(self.feedforward_dim, activation="relu", dtype=policy,
                                         name="hidden")
        self.hidden.build(input_shape)
        self.project = keras.layers.Dense(width, dtype=policy, name="project")
        self.project.build((*input_shape[:-1], self.feedforward_dim))
        self.attention_norm = keras.layers.LayerNormalization(epsilon=self.epsilon,
                                                              dtype=policy, name="attention_norm")
        self.attention_norm.build(input_shape)
        self.feedforward_norm = keras.layers.LayerNormalization(
            epsilon=self.epsilon, dtype=policy, name="feedforward_norm")
        self.feedforward_norm.build(input_shape)
        self.drop = keras.layers.Dropout(self.dropout, dtype=policy)

    def call(self, inputs, padding_mask=None, training=None, return_attention_scores=False):
        x = inputs
        attention_mask = None
        if padding_mask is not None:
            # (batch, 1, key), broadcast over the queries: every query, padding or not, attends
            # to real keys only. No (batch, query, key) copy is made in every block and step.
            attention_mask = ops.expand_dims(ops.cast(padding_mask, "bool"), 1)
        y = self.attention_norm(x) if self.norm_first else x
        y = self.attention(y, y, attention_mask=attention_mask, training=training,
                           return_attention_scores=return_attention_scores)
        if return_attention_scores:
            y, scores = y
        x = x + self.drop(y, training=training)
        if not self.norm_first:
            x = self.attention_norm(x)
        y = self.feedforward_norm(x) if self.norm_first else x
        y = self.project(self.drop(self.hidden(y), training=training))
        x = x + self.drop(y, training=training)
        if not self.norm_first:
            x = self.feedforward_norm(x)
        return (x, scores) if return_attention_scores else x

    def compute_output_shape(self, inputs_shape, padding_mask_shape=None):
        return inputs_shape

    def get_config(self):
        return {**super().get_config(), "num_heads": self.num_heads,
                "feedforward_dim": self.feedforward_dim, "dropout": self.dropout,
                "attention_dropout": self.attention_dropout,
                "norm_first": self.norm_first, "epsilon": self.epsilon}


def attention_to_tokens(model, tokens):
    """The attention each token receives in `model`'s last `TransformerEncoder`.

    The block's attention weights, averaged over its heads and over the queries on real tokens:
    one row per example that sums to 1 over its real tokens and is 0 on padding.

    Args:
        model: a functional model holding at least one `TransformerEncoder`, called as
            `block(x, padding_mask)`.
        tokens: int token ids `(batch, length)`.

    Returns:
        A float32 NumPy array of the shape of `tokens`.

    Example:

    ```python
    weights = attention_to_tokens(model, tokenizer.transform(["A fine film."]))
    ```
    """
    import numpy as np

    blocks = [layer for layer in model.layers if isinstance(layer, TransformerEncoder)]
    if not blocks:
        raise ValueError(f"model {model.name!r} has no TransformerEncoder")
    block = blocks[-1]
    x, mask = block.input  # the tensors it was called on in the model: (x, padding_mask)
    x, mask = keras.Model(model.input, [x, mask])(tokens)
    _, scores = block(x, mask, return_attention_scores=True)
    scores = np.asarray(keras.ops.convert_to_numpy(ops.cast(scores, "float32")))
    real = np.asarray(keras.ops.convert_to_numpy(mask)).astype("float32")  # (batch, length)
    per_query = scores.mean(axis=1)                                     # (batch, query, key)
    weights = (per_query * real[:, :, None]).sum(axis=1)
    weights /= np.maximum(real.sum(axis=1, keepdims=True), 1.0)
    return (weights * real).astype("float32")
