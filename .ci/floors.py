"""Print pip constraints that pin each dependency of setup.cfg to its declared floor.

`pip install -c <(python .ci/floors.py tensorflow) -e ".[tensorflow,test]"` then installs the
oldest versions the package claims to support for its own dependencies (what `uv pip install
--resolution lowest-direct` does), while their own dependencies resolve as pip would. Every
floor must be a version that exists: `tensorflow>=2.16` pins nothing pip can find.

Usage: python .ci/floors.py [EXTRA ...]   (install_requires always; the extras named too)
"""

import configparser
import pathlib
import re
import sys

FLOOR = re.compile(r"^([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*>=\s*([0-9][^,;\s]*)\s*(;.*)?$")


def requirements(setup_cfg, extras):
    config = configparser.ConfigParser()
    config.read(setup_cfg)
    lines = config["options"]["install_requires"].splitlines()
    for extra in extras:
        lines += config["options.extras_require"][extra].splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def floors(lines):
    """`name==floor[; marker]` for every `name>=floor` requirement; a floor is required."""
    pins = {}
    for line in lines:
        match = FLOOR.match(line)
        if not match:
            raise SystemExit(f"setup.cfg: {line!r} has no '>=' floor to pin; give it one")
        name, _, version, marker = match.groups()
        pins[name.lower()] = f"{name}=={version}" + (f"; {marker[1:].strip()}" if marker else "")
    return list(pins.values())


if __name__ == "__main__":
    root = pathlib.Path(__file__).resolve().parent.parent
    print("\n".join(floors(requirements(root / "setup.cfg", sys.argv[1:]))))
