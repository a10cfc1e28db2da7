"""The input pipeline: `Batches` and the lazy sources it reads from."""

import numpy as np
import pytest
from PIL import Image

from cookbook.data.image_files import ImageFiles
from cookbook.data.pipeline import Batches
from cookbook.text import BagOfWords, Tokenizer


def test_batches_cover_every_example_once_per_epoch_in_a_seeded_order():
    x, y = np.arange(10) * 10, np.arange(10)
    batches = Batches(x, y, batch_size=4, shuffle=True, seed=3)
    assert len(batches) == 3 and batches.last_batch_size == 2
    epochs = []
    for _ in range(2):
        seen = [batches[i] for i in range(len(batches))]
        assert [len(b[0]) for b in seen] == [4, 4, 2]
        xs = np.concatenate([b[0] for b in seen])
        np.testing.assert_array_equal(xs, np.concatenate([b[1] for b in seen]) * 10)
        assert sorted(xs) == list(x)
        epochs.append(xs)
        batches.on_epoch_end()
    assert not np.array_equal(epochs[0], epochs[1])  # a new order every epoch
    again = Batches(x, y, batch_size=4, shuffle=True, seed=3)
    np.testing.assert_array_equal(np.concatenate([again[i][0] for i in range(3)]), epochs[0])


def test_batches_keep_their_order_without_shuffle_and_read_only_their_indices():
    batches = Batches(np.arange(10), np.arange(10) % 2, batch_size=3, indices=[8, 1, 5, 2])
    np.testing.assert_array_equal(batches[0][0], [8, 1, 5])
    np.testing.assert_array_equal(batches[1][0], [2])
    np.testing.assert_array_equal(batches.labels(), [0, 1, 1, 0])
    assert batches.num_examples == 4
    with pytest.raises(IndexError):
        batches[2]


def test_each_process_reads_its_slice_of_every_global_batch():
    x = np.arange(12)
    whole = Batches(x, x, batch_size=4, shuffle=True, seed=1)
    parts = [Batches(x, x, batch_size=4, shuffle=True, seed=1, process_index=p,
                     process_count=2) for p in range(2)]
    for i in range(len(whole)):
        np.testing.assert_array_equal(np.concatenate([p[i][0] for p in parts]), whole[i][0])
    with pytest.raises(ValueError, match="multiple of the 3 processes"):
        Batches(x, x, batch_size=4, process_count=3)


def test_batches_check_their_arguments():
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        Batches(np.arange(3), np.arange(3), batch_size=0)
    with pytest.raises(ValueError, match="x has 3 examples but y has 2"):
        Batches(np.arange(3), np.arange(2), batch_size=2)


def test_keras_fits_on_batches():
    import keras

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = (x.sum(axis=1) > 0).astype("int64")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy")
    history = model.fit(Batches(x, y, batch_size=16, shuffle=True), epochs=2, verbose=0,
                        shuffle=False)
    assert len(history.history["loss"]) == 2
    assert model.predict(Batches(x, None, batch_size=16), verbose=0).shape == (64, 1)


def test_bag_of_words_rows_equal_the_dense_transform():
    texts = ["a good film", "", "good good bad", "nothing known here"]
    tokenizer = Tokenizer(vocab_size=8, sequence_length=None).fit(texts[:3])
    bags = tokenizer.encode(texts)
    assert isinstance(bags, BagOfWords) and bags.shape == (4, 8)
    dense = tokenizer.transform(texts)
    np.testing.assert_array_equal(bags.dense(), dense)
    np.testing.assert_array_equal(bags[np.array([3, 0])], dense[[3, 0]])
    assert dense[1].sum() == 0 and dense[3].tolist() == [1] + [0] * 7  # empty; unknown words


def test_bag_of_words_holds_ids_not_a_dense_matrix():
    bags = BagOfWords([np.arange(300, dtype=np.int32)] * 1000, width=20000)
    assert bags.ids.nbytes + bags.offsets.nbytes < 1000 * 20000 / 10


def write_image(path, size, colour, mode="RGB"):
    Image.new(mode, size, colour).save(path)
    return str(path)


def test_image_files_decode_a_batch_to_the_format_asked(tmp_path):
    paths = [write_image(tmp_path / "a.png", (40, 30), (255, 0, 0)),
             write_image(tmp_path / "b.jpg", (10, 50), 200, mode="L")]
    files = ImageFiles(paths).with_format((28, 28), channels=1, channel_axis=False)
    assert files.shape == (2, 28, 28) and files.dtype == np.uint8
    batch = files[np.array([1, 0])]
    assert batch.shape == (2, 28, 28) and batch.dtype == np.uint8
    assert abs(int(batch[0].mean()) - 200) <= 1         # grey stays grey
    assert abs(int(batch[1].mean()) - 76) <= 1          # red's luminance (0.299 * 255)
    colour = ImageFiles(paths, size=(8, 8), channels=3)
    np.testing.assert_array_equal(colour[np.array([0])][0, 0, 0], [255, 0, 0])
    assert colour.subset([1]).paths.tolist() == [paths[1]]
    assert colour[0].shape == (8, 8, 3)


def test_a_broken_image_in_an_epoch_is_reported_once_and_read_as_black(tmp_path):
    good = write_image(tmp_path / "good.png", (5, 5), (9, 9, 9))
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not an image")
    files = ImageFiles([good, str(bad)], size=(5, 5))
    with pytest.warns(UserWarning, match="bad.jpg"):
        batch = files[np.array([0, 1])]
    assert batch[0].max() == 9 and batch[1].max() == 0
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        files[np.array([1])]  # reported once only
