"""The IMDB recipes vs the keras-io LSTM and Transformer, on a held-out 20% of a reviews CSV.

Both run as child processes of this script, one after the other, so each reports its own wall
time and peak memory:

- reference: keras-io "Bidirectional LSTM on IMDB" settings: 20k vocabulary, the last 200
  tokens of each review, left-padded, Embedding(128), 2 x Bidirectional(LSTM(64)), batch 32,
  2 epochs, trained on the same 80% split;
- transformer_reference: keras-io "Text classification with Transformer" settings: 20k
  vocabulary, the last 200 tokens, left-padded, token + position embeddings of 32, one
  post-norm block (2 heads of 32, feed-forward 32, dropout 0.1), average over all 200
  positions (padding included), Dense(20), softmax over 2 classes, batch 32, 2 epochs;
- recipe / bow_mlp / transformer: the whole `cookbook run imdb_lstm|bow_mlp|imdb_transformer
  --data CSV` (loading, tokenizing, training with validation and early stopping, evaluation,
  saving);
- bow_mlp_1epoch: the same with `--set fit.epochs=1` (its peak memory is that of the data path).

    python benchmarks/bench_imdb.py --csv ../shared/data/imdb_reviews_dev.csv.gz
    python benchmarks/bench_imdb.py --only bow_mlp     # re-measure one, keep the others
    python benchmarks/bench_imdb.py --only recipe --only transformer --only transformer_reference
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CHILDREN = ["recipe", "transformer", "bow_mlp", "bow_mlp_1epoch", "reference",
            "transformer_reference"]
RESULTS = os.path.join(HERE, "results", "imdb.json")


def peak_gib():
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2)


def last_200_left_padded(csv, seed):
    """The split's reviews as keras.datasets.imdb + pad_sequences(maxlen=200) give them."""
    import numpy as np

    from cookbook.data import load_dataset
    from cookbook.text import Tokenizer

    data = load_dataset("imdb_reviews", csv, seed=seed)
    tokenizer = Tokenizer(20000, 2500).fit(data.x_train)

    def cut(texts):
        ids = tokenizer.transform(texts)
        out = np.zeros((len(ids), 200), np.int32)
        for i, row in enumerate(ids):
            tokens = row[row > 0][-200:]
            out[i, 200 - len(tokens):] = tokens
        return out

    return data, cut(data.x_train), cut(data.x_test)


def fit_and_score(model, data, x_train, x_test):
    start = time.perf_counter()
    model.fit(x_train, data.y_train, batch_size=32, epochs=2, verbose=0)
    fit_seconds = time.perf_counter() - start
    acc = model.evaluate(x_test, data.y_test, verbose=0, return_dict=True)["accuracy"]
    return {"accuracy": round(float(acc), 4), "fit_seconds": round(fit_seconds, 1),
            "train": len(x_train), "test": len(x_test)}


def reference(csv, seed):
    import keras

    data, x_train, x_test = last_200_left_padded(csv, seed)
    keras.utils.set_random_seed(seed)
    inputs = keras.Input(shape=(None,), dtype="int32")
    x = keras.layers.Embedding(20000, 128)(inputs)
    x = keras.layers.Bidirectional(keras.layers.LSTM(64, return_sequences=True))(x)
    x = keras.layers.Bidirectional(keras.layers.LSTM(64))(x)
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return fit_and_score(model, data, x_train, x_test)


def transformer_reference(csv, seed):
    import keras

    from cookbook.layers import TokenAndPositionEmbedding  # token + learned position, as there

    data, x_train, x_test = last_200_left_padded(csv, seed)
    keras.utils.set_random_seed(seed)
    inputs = keras.Input(shape=(200,), dtype="int32")
    x = TokenAndPositionEmbedding(20000, 200, 32)(inputs)
    attended = keras.layers.MultiHeadAttention(num_heads=2, key_dim=32)(x, x)
    x = keras.layers.LayerNormalization(epsilon=1e-6)(x + keras.layers.Dropout(0.1)(attended))
    hidden = keras.layers.Dense(32, activation="relu")(x)
    x = keras.layers.LayerNormalization(epsilon=1e-6)(
        x + keras.layers.Dropout(0.1)(keras.layers.Dense(32)(hidden)))
    x = keras.layers.Dropout(0.1)(keras.layers.GlobalAveragePooling1D()(x))
    x = keras.layers.Dropout(0.1)(keras.layers.Dense(20, activation="relu")(x))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(x))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return fit_and_score(model, data, x_train, x_test)


def recipe(csv, seed, name="imdb_lstm", *settings):
    from cookbook.cli import main

    with tempfile.TemporaryDirectory() as out:
        run = os.path.join(out, "run")
        start = time.perf_counter()
        code = main(["run", name, "--data", csv, "--out", run, "--quiet",
                     "--seed", str(seed), *settings])
        wall = time.perf_counter() - start
        if code:
            raise SystemExit(code)
        with open(os.path.join(run, "metrics.json")) as f:
            metrics = json.load(f)
    return {"accuracy": round(metrics["test"]["accuracy"], 4),
            "fit_seconds": metrics["fit_seconds"], "run_wall_seconds": round(wall, 1),
            "epochs": metrics["epochs"], "samples_per_second": metrics["samples_per_second"],
            "train": metrics["data"]["train"], "validation": metrics["data"]["validation"],
            "test": metrics["data"]["test"]}


def child(which, csv, seed):
    start = time.perf_counter()
    result = {"reference": reference, "recipe": recipe,
              "transformer_reference": transformer_reference,
              "transformer": lambda c, s: recipe(c, s, "imdb_transformer"),
              "bow_mlp": lambda c, s: recipe(c, s, "bow_mlp"),
              "bow_mlp_1epoch": lambda c, s: recipe(c, s, "bow_mlp", "--set", "fit.epochs=1"),
              }[which](csv, seed)
    result["process_wall_seconds"] = round(time.perf_counter() - start, 1)
    result["peak_rss_gib"] = peak_gib()
    print("RESULT " + json.dumps(result), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", default=os.path.join(HERE, "..", "..", "shared", "data",
                                                      "imdb_reviews_dev.csv.gz"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--child", choices=CHILDREN)
    parser.add_argument("--only", choices=CHILDREN, action="append",
                        help="measure only these and keep the other results of results/imdb.json")
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.csv, args.seed)

    sys.path.insert(0, HERE)
    from machine import describe

    result = {}
    if args.only and os.path.exists(RESULTS):
        with open(RESULTS) as f:
            result = json.load(f)
    result.update({"data": f"{os.path.basename(args.csv)}: stratified 80/20 split "
                           f"(seed {args.seed})", "machine": describe()})
    for which in args.only or CHILDREN:
        proc = subprocess.run([sys.executable, __file__, "--child", which, "--csv", args.csv,
                               "--seed", str(args.seed)], capture_output=True, text=True)
        line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
        if proc.returncode or not line:
            sys.exit(f"{which} failed:\n{proc.stderr[-3000:]}")
        result[which] = json.loads(line[0][len("RESULT "):])
        print(which, result[which], flush=True)
    with open(RESULTS, "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
