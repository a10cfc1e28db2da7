"""Datasets from a folder with one sub-folder per class: photos, or texts in `.txt` files.

The class names are the sub-folder names, sorted; the folder is split 80/20 into train and test,
stratified and seeded. Files that are not usable (another extension, not an image, not UTF-8
text) are reported, file and reason, and left out. Photos are not decoded here: the recipe's
preprocessor reads them a batch at a time (`cookbook.data.image_files.ImageFiles`).
"""

import os
import warnings

from cookbook.data.folders import check_image_files, read_text_folder, scan_class_folders
from cookbook.data.image_files import ImageFiles
from cookbook.data.images import IMAGE_EXTENSIONS
from cookbook.data.splits import TEST_FRACTION, Splits, split_indices

SHOWN_SKIPPED = 10


def image_folder_classes(root):
    """The sorted class names of an image folder (its sub-folders), without reading images."""
    return scan_class_folders(root, IMAGE_EXTENSIONS)[2]


def read_image_folder(root):
    """Every usable image of `root/<class>/` as `(ImageFiles, labels, class_names)`."""
    files, labels, class_names, skipped = scan_class_folders(root, IMAGE_EXTENSIONS)
    files, labels, broken = check_image_files(files, labels)
    report_skipped(root, skipped + broken)
    return ImageFiles(files), labels, class_names


def load_image_folder(name, root, seed):
    """The `Splits` of the images of `root/<class>/`, split 80/20 (stratified, seeded)."""
    files, labels, class_names = read_image_folder(root)
    train, test = split_indices(labels, TEST_FRACTION, seed, origin=root)
    return Splits(name, root, files.subset(train), labels[train], files.subset(test),
                  labels[test], class_names)


def read_texts(root):
    """Every text of `root/<class>/*.txt` as `(texts, labels, class_names)`."""
    texts, labels, class_names, skipped = read_text_folder(root)
    report_skipped(root, skipped)
    return texts, labels, class_names


def load_text_folder(name, root, seed):
    """The `Splits` of the texts of `root/<class>/*.txt`, split 80/20 (stratified, seeded)."""
    texts, labels, class_names = read_texts(root)
    train, test = split_indices(labels, TEST_FRACTION, seed, origin=root)
    return Splits(name, root, texts[train], labels[train], texts[test], labels[test],
                  class_names)


def report_skipped(root, skipped):
    """One warning listing the files left out and why (the first few, then a count)."""
    if not skipped:
        return
    lines = "\n  ".join(skipped[:SHOWN_SKIPPED])
    more = len(skipped) - SHOWN_SKIPPED
    warnings.warn(f"{root}: skipped {len(skipped)} file(s) that cannot be used:\n  {lines}"
                  + (f"\n  ... and {more} more" if more > 0 else ""), stacklevel=3)



def folder_class_names(root, kind):
    """The class names a folder of class folders gives (`kind` `"image"` or `"text"`), or None
    when `root` is not a folder or is an `aclImdb/` archive (its classes are fixed)."""
    if not os.path.isdir(root):
        return None
    if kind == "image":
        return image_folder_classes(root)
    if is_acl_imdb(root) or is_acl_split(root):
        return None
    return scan_class_folders(root, (".txt",), what="text")[2]


def is_acl_imdb(path):
    """The aclImdb archive's layout: train/ and test/ folders (each with pos/ and neg/)."""
    return any(os.path.isdir(os.path.join(path, split)) for split in ("train", "test"))


def is_acl_split(path):
    """One split of the aclImdb archive: pos/ and neg/ beside other folders (unsup/)."""
    return all(os.path.isdir(os.path.join(path, c)) for c in ("pos", "neg"))
