"""Where the templates and the static files are.

In a checkout (and an editable install) they sit beside the package, as the design card lays them out:
``templates/`` and ``static/`` at the top of the repository. A wheel installs them as data files under
``{sys.prefix}/share/liveline/`` (``[tool.setuptools.data-files]`` in pyproject.toml).
"""

from __future__ import annotations

import sys
from pathlib import Path


def _find(name: str) -> Path:
    for base in (Path(__file__).resolve().parent.parent, Path(sys.prefix) / "share" / "liveline"):
        if (base / name / ".liveline").is_file():
            return base / name
    raise RuntimeError(f"Liveline's {name}/ folder is missing: reinstall the package (pip install .)")


TEMPLATES = _find("templates")
STATIC = _find("static")
