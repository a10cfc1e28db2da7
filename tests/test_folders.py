"""Class folders of images and texts, image decoding, and feature CSV files."""

import gzip
import os

import numpy as np
import pytest
from PIL import Image

from conftest import write_text as write

from cookbook.data.feature_csv import read_feature_csv
from cookbook.data.folders import check_image_files, read_text_folder, scan_class_folders
from cookbook.data.images import IMAGE_EXTENSIONS, ImageReadError, read_image, read_images
from cookbook.data.splits import split_indices
from cookbook.errors import DataError

RNG = np.random.default_rng(0)


def solid(mode, size, colour):
    """A one-colour image; `size` is (width, height) as Pillow takes it."""
    return Image.new(mode, size, colour)


def save(img, path, **kwargs):
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, **kwargs)
    return str(path)


def truncated_jpeg(path):
    img = Image.fromarray(RNG.integers(0, 256, (64, 64, 3), dtype=np.uint8))
    save(img, path, quality=95)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return str(path)


# ---------------------------------------------------------------- read_image


def test_read_image_rgb_png_keeps_pixels(tmp_path):
    pixels = RNG.integers(0, 256, (5, 7, 3), dtype=np.uint8)
    path = save(Image.fromarray(pixels), tmp_path / "x.png")
    x = read_image(path)
    assert x.dtype == np.uint8 and x.shape == (5, 7, 3)
    np.testing.assert_array_equal(x, pixels)


def test_read_image_greyscale_both_ways(tmp_path):
    grey = save(solid("L", (4, 3), 77), tmp_path / "grey.png")
    assert read_image(grey, channels=1).shape == (3, 4, 1)
    assert (read_image(grey, channels=1) == 77).all()
    assert (read_image(grey) == 77).all()  # grey to RGB copies the value, never inverts
    colour = save(solid("RGB", (4, 3), (200, 100, 50)), tmp_path / "colour.png")
    luma = round(200 * 0.299 + 100 * 0.587 + 50 * 0.114)  # 124
    assert np.abs(read_image(colour, channels=1).astype(int) - luma).max() <= 1


def test_read_image_converts_modes(tmp_path):
    rgba = save(solid("RGBA", (3, 2), (10, 20, 30, 0)), tmp_path / "rgba.png")
    assert (read_image(rgba) == [10, 20, 30]).all()  # alpha dropped, colour kept
    pal = Image.new("P", (3, 2), 1)
    pal.putpalette([255, 0, 0, 0, 255, 0] + [0] * 762)
    palette = save(pal, tmp_path / "p.png", transparency=0)
    assert (read_image(palette) == [0, 255, 0]).all()
    cmyk = save(solid("CMYK", (8, 8), (0, 0, 0, 0)), tmp_path / "cmyk.jpg")
    assert np.abs(read_image(cmyk).astype(int) - 255).max() <= 2
    one_bit = save(solid("1", (5, 5), 1), tmp_path / "bits.bmp")
    assert (read_image(one_bit, channels=1) == 255).all()
    wide = Image.fromarray(np.array([[0, 32896, 65535]], dtype=np.uint16))
    assert wide.mode == "I;16"
    sixteen = save(wide, tmp_path / "wide.png")
    np.testing.assert_array_equal(read_image(sixteen, channels=1)[..., 0], [[0, 128, 255]])


def test_read_image_gif_first_frame(tmp_path):
    frames = [solid("RGB", (4, 4), (255, 0, 0)), solid("RGB", (4, 4), (0, 0, 255))]
    path = save(frames[0], tmp_path / "anim.gif", save_all=True, append_images=frames[1:])
    with Image.open(path) as gif:
        assert gif.n_frames == 2
    assert (read_image(path) == [255, 0, 0]).all()


def test_read_image_applies_exif_orientation(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: shown rotated by 90 degrees
    path = save(solid("RGB", (40, 20), (0, 128, 0)), tmp_path / "phone.jpg", exif=exif)
    assert read_image(path).shape == (40, 20, 3)


def test_read_image_resizes_to_height_width(tmp_path):
    path = save(solid("RGB", (30, 10), (9, 99, 199)), tmp_path / "x.png")
    x = read_image(path, size=(6, 8))
    assert x.shape == (6, 8, 3)
    assert (x == [9, 99, 199]).all()
    assert read_image(path, size=(6, 8), channels=1).shape == (6, 8, 1)


def test_read_image_bad_files(tmp_path):
    fake = tmp_path / "cat" / "x.jpg"
    fake.parent.mkdir()
    fake.write_text("not a picture")
    with pytest.raises(ImageReadError, match=r"^.*cat.x\.jpg: not an image file \(") as e:
        read_image(str(fake))
    assert isinstance(e.value, DataError) and "\n" not in str(e.value)
    with pytest.raises(ImageReadError, match="truncated or corrupt image"):
        read_image(truncated_jpeg(tmp_path / "cut.jpg"))
    with pytest.raises(ImageReadError, match="cannot open the file"):
        read_image(str(tmp_path / "missing.png"))


def test_read_image_bad_arguments(tmp_path):
    path = save(solid("RGB", (3, 3), 0), tmp_path / "x.png")
    with pytest.raises(DataError, match="channels=4"):
        read_image(path, channels=4)
    with pytest.raises(DataError, match=r"use \(height, width\)"):
        read_image(path, size=(0, 5))


def test_read_images_leaves_out_bad_files(tmp_path):
    good = [save(solid("RGB", (5 + i, 4), (i, i, i)), tmp_path / f"{i}.png") for i in range(3)]
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"")
    x, errors = read_images([good[0], str(bad), good[1], good[2]], (4, 4), 1)
    assert x.shape == (3, 4, 4, 1) and x.dtype == np.uint8
    np.testing.assert_array_equal(x[:, 0, 0, 0], [0, 1, 2])
    assert len(errors) == 1 and errors[0].startswith(f"{bad}: not an image file")
    x, errors = read_images([str(bad)], (4, 6), 3)
    assert x.shape == (0, 4, 6, 3) and len(errors) == 1
    with pytest.raises(DataError, match="differ in size"):
        read_images(good, None, 3)


# ---------------------------------------------------------------- scan_class_folders


@pytest.fixture
def photos(tmp_path):
    """cat/ and dog/ photos of mixed sizes, modes and formats, and things to skip."""
    root = tmp_path / "photos"
    save(solid("RGB", (12, 9), (255, 0, 0)), root / "cat" / "b.jpg")
    save(solid("L", (5, 5), 10), root / "cat" / "a.png")
    save(solid("RGBA", (6, 4), (1, 2, 3, 4)), root / "cat" / "c.JPEG", format="PNG")  # misnamed
    save(solid("P", (7, 7), 3), root / "dog" / "d.gif")
    save(solid("RGB", (8, 3), (0, 0, 255)), root / "dog" / "e.bmp")
    (root / "cat" / "notes.txt").write_text("a cat")
    (root / "cat" / ".DS_Store").write_bytes(b"\0\1")
    save(solid("RGB", (2, 2), 0), root / "cat" / "nested" / "deep.png")
    (root / "README.md").write_text("photos")
    (root / ".cache").mkdir()
    return root


def test_scan_class_folders(photos):
    files, labels, class_names, skipped = scan_class_folders(str(photos), IMAGE_EXTENSIONS)
    assert class_names == ["cat", "dog"]
    assert [os.path.relpath(f, photos) for f in files] == [
        os.path.join("cat", "a.png"), os.path.join("cat", "b.jpg"), os.path.join("cat", "c.JPEG"),
        os.path.join("dog", "d.gif"), os.path.join("dog", "e.bmp")]
    assert labels.dtype == np.int64 and labels.tolist() == [0, 0, 0, 1, 1]
    assert len(skipped) == 3
    assert any(s.startswith(str(photos / "README.md")) and "outside the class folders" in s
               for s in skipped)
    assert f"{photos / 'cat' / 'notes.txt'}: not a .png/.jpg/.jpeg/.bmp/.gif file" in skipped
    assert any(s.startswith(str(photos / "cat" / "nested")) for s in skipped)
    assert not any(".DS_Store" in s or ".cache" in s for s in skipped)
    x, errors = read_images(files, (4, 4), 3)
    assert x.shape == (5, 4, 4, 3) and errors == []
    assert (x[0] == 10).all() and (x[2] == [1, 2, 3]).all() and (x[4] == [0, 0, 255]).all()
    assert np.abs(x[1].astype(int) - [255, 0, 0]).max() <= 2  # JPEG is lossy


def test_scan_class_folders_errors(tmp_path, photos):
    with pytest.raises(DataError, match="not a folder"):
        scan_class_folders(str(tmp_path / "nowhere"), IMAGE_EXTENSIONS)
    (tmp_path / "flat").mkdir()
    save(solid("RGB", (2, 2), 0), tmp_path / "flat" / "x.png")
    with pytest.raises(DataError, match=r"no class sub-folders; expected one sub-folder per class"
                                        r", e\.g\. .*cat.\*\.png"):
        scan_class_folders(str(tmp_path / "flat"), IMAGE_EXTENSIONS)
    (photos / "bird").mkdir()
    (photos / "bird" / "bird.txt").write_text("tweet")
    with pytest.raises(DataError, match=r"bird holds no \.png/\.jpg/\.jpeg/\.bmp/\.gif files; "
                                        "remove it or add examples"):
        scan_class_folders(str(photos), IMAGE_EXTENSIONS)
    save(solid("RGB", (2, 2), 0), tmp_path / "one" / "cat" / "x.png")
    with pytest.raises(DataError, match="needs at least 2 classes, found 1 \\(cat\\)"):
        scan_class_folders(str(tmp_path / "one"), IMAGE_EXTENSIONS)


# ---------------------------------------------------------------- check_image_files


def test_check_image_files_drops_non_images(photos):
    (photos / "dog" / "fake.jpg").write_text("<html>not found</html>")
    (photos / "dog" / "empty.png").write_bytes(b"")
    cut = truncated_jpeg(photos / "dog" / "cut.jpg")
    files, labels, _, _ = scan_class_folders(str(photos), IMAGE_EXTENSIONS)
    assert len(files) == 8
    kept, kept_labels, skipped = check_image_files(files, labels)
    assert len(kept) == 6 and kept_labels.tolist() == [0, 0, 0, 1, 1, 1]
    assert sorted(skipped) == sorted([
        f"{photos / 'dog' / 'empty.png'}: not an image file (cannot identify image file)",
        f"{photos / 'dog' / 'fake.jpg'}: not an image file (cannot identify image file)"])
    assert cut in kept  # a header check only: the full decode reports it
    x, errors = read_images(kept, (4, 4), 3)
    assert len(x) == 5 and errors[0].startswith(f"{cut}: truncated or corrupt image")


def test_check_image_files_class_left_empty(tmp_path):
    good = save(solid("RGB", (2, 2), 0), tmp_path / "a" / "x.png")
    bad = tmp_path / "b" / "y.png"
    bad.parent.mkdir()
    bad.write_text("text")
    with pytest.raises(DataError, match=r"b: none of its files is a readable image"):
        check_image_files([good, str(bad)], [0, 1])


# ---------------------------------------------------------------- read_text_folder


def test_read_text_folder(tmp_path):
    root = tmp_path / "reviews"
    (root / "pos").mkdir(parents=True)
    (root / "neg").mkdir()
    (root / "pos" / "1.txt").write_text("great film\n", encoding="utf-8")
    (root / "pos" / "2.txt").write_bytes("\ufeffsuperbe réalisation".encode("utf-8"))
    (root / "pos" / "3.txt").write_bytes("très mauvais".encode("latin-1"))
    (root / "neg" / "1.txt").write_text("dull", encoding="utf-8")
    (root / "neg" / "2.txt").write_text("  \n\t", encoding="utf-8")
    (root / "neg" / "cover.jpg").write_bytes(b"\xff\xd8")
    texts, labels, class_names, skipped = read_text_folder(str(root))
    assert class_names == ["neg", "pos"]
    assert texts.dtype == object
    assert texts.tolist() == ["dull", "great film\n", "superbe réalisation"]
    assert labels.dtype == np.int64 and labels.tolist() == [0, 1, 1]
    assert len(skipped) == 3
    assert f"{root / 'neg' / '2.txt'}: empty file" in skipped
    assert f"{root / 'neg' / 'cover.jpg'}: not a .txt file" in skipped
    assert any(s.startswith(f"{root / 'pos' / '3.txt'}: not valid UTF-8 text") for s in skipped)


def test_read_text_folder_class_without_text(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "x.txt").write_text("fine")
    (tmp_path / "b" / "y.txt").write_text(" ")
    with pytest.raises(DataError, match=r"b holds no readable non-empty \.txt files"):
        read_text_folder(str(tmp_path))
    with pytest.raises(DataError, match="not a folder"):
        read_text_folder(str(tmp_path / "a" / "x.txt"))


# ---------------------------------------------------------------- split_indices


def test_split_indices_stratified_and_seeded():
    labels = np.array([0] * 30 + [1] * 20)
    train, test = split_indices(labels, 0.2, seed=1)
    assert train.dtype == np.int64 and len(train) == 40 and len(test) == 10
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(50))
    assert np.bincount(labels[test]).tolist() == [6, 4]
    again = split_indices(labels, 0.2, seed=1)
    np.testing.assert_array_equal(test, again[1])
    assert not np.array_equal(test, split_indices(labels, 0.2, seed=2)[1])


def test_split_indices_errors():
    with pytest.raises(DataError, match=r"class id\(s\) 2 have a single example"):
        split_indices([0, 0, 1, 1, 2], 0.4, seed=0)
    with pytest.raises(DataError, match="cannot put all 3 classes in both parts"):
        split_indices([0, 0, 1, 1, 2, 2], 0.2, seed=0)
    with pytest.raises(DataError, match="not between 0 and 1"):
        split_indices([0, 0, 1, 1], 1.5, seed=0)
    with pytest.raises(DataError, match="no examples"):
        split_indices([], 0.2, seed=0)


# ---------------------------------------------------------------- read_feature_csv


@pytest.mark.parametrize("gz", [False, True])
def test_read_feature_csv(tmp_path, gz):
    text = "\ufeffa,label,b,c\n1,0,2.5,-3\n\n4e1,1.0, 5 ,6\n"
    path = write(tmp_path / ("f.csv.gz" if gz else "f.csv"), text, gz)
    x, y = read_feature_csv(path, 3)
    assert x.dtype == np.float32 and x.shape == (2, 3)
    np.testing.assert_array_equal(x, [[1, 2.5, -3], [40, 5, 6]])
    assert y.dtype == np.int64 and y.tolist() == [0, 1]


def test_read_feature_csv_float_labels_and_name(tmp_path):
    path = write(tmp_path / "r.csv", "target,x1,x2\n0.25,1,2\n-1.5,3,4\n")
    x, y = read_feature_csv(path, 2, label_column="target", integer_labels=False)
    assert y.dtype == np.float32 and y.tolist() == [0.25, -1.5]
    assert x.tolist() == [[1, 2], [3, 4]]


@pytest.mark.parametrize("text, message", [
    ("", "missing header row"),
    ("1,2,0\n3,4,1\n", r"missing header row \(line 1 holds numbers\)"),
    ("a,b,y\n1,2,0\n", r"no label column 'label'; the header has columns a, b, y; "
                       r"name the label column with --set data.label_column=NAME"),
    ("a,label\n1,0\n", "1 feature columns besides 'label', but the recipe's model takes 2"),
    ("a,b,label\n1,2,0\n1,x,1\n", r"line 3, column 'b': not a number: 'x'"),
    ("a,b,label\n1,,0\n", r"line 2, column 'b': empty cell"),
    ("a,b,label\n1,2,0\nnan,2,1\n", r"line 3, column 'a': nan is not a finite float32 number"),
    ("a,b,label\n1,-inf,0\n", r"line 2, column 'b': -inf is not a finite"),
    ("a,b,label\n1,1e300,0\n", r"line 2, column 'b': 1e\+300 is not a finite float32"),
    ("a,b,label\n1,2,0\n1,2\n", r"line 3: 2 fields, expected 3 like the header"),
    ("a,b,label\n", "no data rows after the header"),
    ("a,b,label\n1,2,0.5\n", r"line 2, column 'label': label '0.5' is not a class id"),
    ("a,b,label\n1,2,-1\n", r"label '-1' is not a class id"),
    ("a,b,label\n1,2,cat\n", r"label 'cat' is not a finite number"),
    ("a,label,b,label\n1,0,2,0\n", "names 'label' more than once"),
])
def test_read_feature_csv_errors(tmp_path, text, message):
    path = write(tmp_path / "bad.csv", text)
    with pytest.raises(DataError, match=message) as e:
        read_feature_csv(path, 2)
    assert str(e.value).startswith(path) and "\n" not in str(e.value)


def test_read_feature_csv_unreadable_files(tmp_path):
    garbage = tmp_path / "garbage.csv.gz"
    garbage.write_bytes(b"this is not gzip")
    cut = tmp_path / "cut.csv.gz"
    data = gzip.compress(("a,b,label\n" + "1,2,0\n" * 2000).encode())
    cut.write_bytes(data[: len(data) // 2])
    latin = tmp_path / "latin.csv"
    latin.write_bytes("a,b,label\n1,2,0\n".encode() + "é".encode("latin-1"))
    for path in (garbage, cut, latin):
        with pytest.raises(DataError, match="cannot read as a CSV file"):
            read_feature_csv(str(path), 2)
    with pytest.raises(DataError, match="cannot read as a CSV file"):
        read_feature_csv(str(tmp_path / "missing.csv"), 2)
