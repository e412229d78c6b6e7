"""The studies fixtures (ready clip rows without frames) serve the audit tests too."""

from tests.annotator.studies.conftest import make_clip  # noqa: F401
