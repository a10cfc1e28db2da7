"""Pages made from the repository's own files when the site is built, so they cannot drift:

- the home page is `README.md`, its links into `docs/pages/` made relative to the site;
- a page per recipe is its notebook's jupytext source (`notebooks/<name>.py`): markdown cells
  as they are, code cells as Python blocks.
"""

import os
import re

from mkdocs.structure.files import File

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
NOTEBOOKS = os.path.join(ROOT, "notebooks")
_CELL = re.compile(r"^# %%(.*)$")


def notebook_markdown(source: str, name: str) -> str:
    """Markdown for a `py:percent` notebook source: its header dropped, markdown cells
    uncommented, code cells fenced."""
    cells, kind, lines = [], None, []
    for line in source.splitlines():
        match = _CELL.match(line)
        if match:
            cells.append((kind, lines))
            kind, lines = ("markdown" if "[markdown]" in match.group(1) else "code"), []
        elif kind is not None:
            lines.append(line)
    cells.append((kind, lines))
    out = []
    for kind, lines in cells:
        text = "\n".join(lines).strip("\n")
        if kind == "markdown":
            out.append("\n".join(re.sub(r"^# ?", "", x) for x in text.splitlines()))
        elif kind == "code" and text.strip():
            out.append(f"```python\n{text}\n```")
    source_link = (f"\n\n*This page is the notebook `notebooks/{name}.ipynb` (source "
                   f"`notebooks/{name}.py`); run it with `jupyter lab` or headless with "
                   "`jupyter nbconvert --execute`.*")
    return "\n\n".join(out) + source_link + "\n"


def home_page(readme: str) -> str:
    """The README as the site's home page: links to `docs/pages/X` become links to `X`."""
    return readme.replace("](docs/pages/", "](")


def on_files(files, config):
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        files.append(File.generated(config, "index.md", content=home_page(f.read())))
    for file in sorted(os.listdir(NOTEBOOKS)):
        if not file.endswith(".py"):
            continue
        name = file[:-3]
        with open(os.path.join(NOTEBOOKS, file), encoding="utf-8") as f:
            markdown = notebook_markdown(f.read(), name)
        files.append(File.generated(config, f"recipes/{name}.md", content=markdown))
    return files
