"""Built-in dataset formats: importing a module registers it."""

from annotator.datasets.formats import (  # noqa: F401
    casme, casme2, casme3a, casme_sq, mmew, samm, samm_lv, smic, smic_e,
)
