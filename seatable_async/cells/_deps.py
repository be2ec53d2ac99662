"""Optional frame libraries, imported only when a frame function needs them."""

from __future__ import annotations

import importlib
import sys
from typing import Any

from seatable_async.errors import ConfigurationError

__all__ = ["loaded", "require"]

# module → the extra that installs it
_EXTRAS = {"pyarrow": "arrow", "pandas": "pandas", "polars": "polars"}


def require(module: str) -> Any:
    """Import an optional dependency, typed as Any so that its stubs stay optional.

    Raises:
        ConfigurationError: it is not installed; the message names the extra to install.
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        extra = _EXTRAS.get(module, module)
        raise ConfigurationError(
            f'this needs {module}, which is not installed: pip install "seatable-async[{extra}]"'
        ) from None


def loaded(module: str) -> Any | None:
    """The module if it is already imported (so isinstance checks never import it)."""
    return sys.modules.get(module)
