"""maturity: policy-as-code maturity assessment for digital government.

The public API is re-exported here lazily, so `maturity --version` does not import pydantic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "Assessment",
    "MaturityError",
    "Session",
    "__version__",
    "assess",
    "hookimpl",
    "load_evidence",
    "load_packs",
]

_LAZY = {
    "Assessment": "maturity.api",
    "Session": "maturity.api",
    "assess": "maturity.api",
    "load_evidence": "maturity.api",
    "load_packs": "maturity.api",
    "MaturityError": "maturity.errors",
    "hookimpl": "maturity.hookspecs",
}

if TYPE_CHECKING:
    from maturity.api import Assessment, Session, assess, load_evidence, load_packs
    from maturity.errors import MaturityError
    from maturity.hookspecs import hookimpl


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'maturity' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
