"""mlbackend.sdk: what plugins import. Loading it and every plugin stays cheap; every name it offers exists."""

import subprocess
import sys
from pathlib import Path

import pytest

from mlbackend import sdk
from mlbackend.sdk import nets, spotting, vision

ROOT = Path(__file__).resolve().parents[2]


def test_the_sdk_and_every_plugin_load_without_torch_opencv_or_django():
    code = (
        "import pkgutil, sys, plugins, mlbackend.sdk, mlbackend.sdk.vision, mlbackend.sdk.spotting, mlbackend.sdk.nets\n"
        "for module in pkgutil.iter_modules(plugins.__path__):\n"
        "    __import__(f'plugins.{module.name}')\n"
        "print(sorted({'torch', 'cv2', 'django', 'sklearn'} & set(sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("module", [sdk, vision, spotting, nets])
def test_every_exported_name_resolves(module):
    for name in module.__all__:
        assert getattr(module, name) is not None, name


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'ResNet'"):
        nets.ResNet  # noqa: B018
