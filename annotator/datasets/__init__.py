"""Dataset importers: one module per format, registered by name (see base.register).

Importing this package registers every built-in format.
"""

from annotator.datasets.base import FORMATS, DatasetError, DatasetFormat, get_format, register
from annotator.datasets import formats  # noqa: F401  (registers the built-in formats)

__all__ = ["FORMATS", "DatasetError", "DatasetFormat", "get_format", "register"]
