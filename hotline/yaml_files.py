"""Reading the centre's YAML files (prompts, SMS replies, the directory) with libyaml's parser.

PyYAML's own parser is pure Python: the nine files under config/ took 73 to 76 ms of every
start with it (each web worker, the RQ worker, every CLI command), 7 to 10 ms with libyaml's,
which PyYAML's wheels carry. A PyYAML built without libyaml falls back to its own parser, which
reads the same files the same way, only slower.
"""

from __future__ import annotations

from typing import Any

try:
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeLoader  # type: ignore[assignment]

import yaml

__all__ = ["SafeLoader", "safe_load"]


def safe_load(text: str) -> Any:
    """One YAML document, plain data only (as `yaml.safe_load`)."""
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 (a safe loader)
