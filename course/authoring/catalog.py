"""Every scenario module, imported so their scenarios register. Add one line per new module."""

from . import seeds  # noqa: F401
