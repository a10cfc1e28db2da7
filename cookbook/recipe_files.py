"""Recipe files, `recipes/<name>.toml`, generated from the registry: their one source.

A recipe's defaults live in one place: its function's keyword defaults (`[model]`) and its
`@register(fit=...)` (`[fit]`), with `cookbook.config`'s `DataConfig` and `FitConfig` for the
rest. `cookbook run NAME` uses them directly; `recipes/<name>.toml` states the same defaults as
a file to copy, edit and run (`cookbook run my.toml`). This module writes those files; a test
fails when one differs from what it would write.

    python -m cookbook.recipe_files            # rewrite recipes/*.toml
    python -m cookbook.recipe_files --check    # exit 1 if any is out of date

Example:

```python
print(render("mnist_dense"))
```
"""

import argparse
import os
import sys

from cookbook import config as config_lib
from cookbook.registry import get_recipe, list_recipes

COMMENT_COLUMN = 29
# What each option can be, for the comment beside it.
OPTION_NOTES = {
    "data.label_column": "in a CSV of features: the label's column",
    "fit.distribute": 'or "data_parallel" (JAX, TensorFlow)',
    "fit.precision": 'or "mixed_bfloat16" (CPU, TPU, GPU >= 8.0), "mixed_float16" (GPU >= 7.0)',
    "fit.jit_compile": "or true / false",
    "fit.steps_per_execution": "or an integer (JAX, TensorFlow); 1 on PyTorch",
}


def render(name):
    """The text of `recipes/<name>.toml`: the recipe's defaults, with a word on each option."""
    from cookbook.data.catalog import dataset_loader, dataset_kind

    spec = get_recipe(name)
    config = config_lib.default_config(name).to_dict()
    summary = " ".join((spec.fn.__doc__ or name).strip().split("\n\n")[0].split())
    lines = [f"# {name}: {summary}",
             "# The recipe's defaults (written by `python -m cookbook.recipe_files`); copy, edit "
             "and `cookbook run` the copy.", f'recipe = "{name}"']
    notes = dict(OPTION_NOTES, **{"data.source": dataset_loader(spec.dataset).auto})
    for section in ("model", "data", "fit"):
        lines += ["", f"[{section}]"]
        for key, value in config[section].items():
            if section == "data" and key == "label_column" and \
                    dataset_kind(spec.dataset) != "tabular":
                continue
            line = f"{key} = {_value(value)}"
            note = notes.get(f"{section}.{key}")
            if note:
                line = f"{line.ljust(COMMENT_COLUMN - 1)} # {note}"
            lines.append(line)
    return "\n".join(lines) + "\n"


def _value(value):
    """A TOML value on one line (lists too)."""
    import tomli_w

    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return tomli_w.dumps({"v": value}).strip()[len("v = "):]


# The recipe files of a source checkout, beside the package (an installed copy has none).
RECIPES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "recipes")


def path_of(name, directory=RECIPES_DIR):
    return os.path.join(directory, f"{name}.toml")


def out_of_date(directory=RECIPES_DIR):
    """Names whose recipe file in `directory` differs from `render(name)`."""
    stale = []
    for name in list_recipes():
        try:
            with open(path_of(name, directory), encoding="utf-8") as f:
                current = f.read()
        except FileNotFoundError:
            current = None
        if current != render(name):
            stale.append(name)
    return stale


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a file is out of date")
    parser.add_argument("--dir", help="the folder of the recipe files (default: recipes/ of "
                                      "a source checkout)")
    args = parser.parse_args(argv)
    if args.dir is None:
        if not os.path.isdir(RECIPES_DIR):
            print(f"cookbook: error: no recipes/ folder beside the package ({RECIPES_DIR}): this "
                  "is an installed copy; pass --dir FOLDER to write the recipe files there",
                  file=sys.stderr)
            return 2
        args.dir = RECIPES_DIR
    stale = out_of_date(args.dir)
    if args.check:
        for name in stale:
            print(f"{path_of(name, args.dir)} is out of date: python -m cookbook.recipe_files")
        return 1 if stale else 0
    from cookbook import atomic

    os.makedirs(args.dir, exist_ok=True)
    for name in stale:
        atomic.write_text(path_of(name, args.dir), render(name))
        print(f"wrote {path_of(name, args.dir)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
