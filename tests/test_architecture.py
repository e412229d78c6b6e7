"""The dependency direction of docs/architecture.md, enforced: the import-linter contracts in
pyproject.toml ([tool.importlinter]) must hold on the code, and must break on each kind of
violation (checked on a copy of the tree with one bad import added)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("annotator", "mlbackend", "plugins")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    # lint-imports under this interpreter; PYTHONPATH makes it analyse `root`, not an installed copy.
    command = [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()",
               "--no-cache", "--no-logo"]
    return subprocess.run(command, cwd=root, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(root)}, timeout=300)


def test_the_code_keeps_every_import_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(("path", "line", "contract"), [
    ("plugins/dummy/__init__.py", "import django.db", "Plugins never reach Django"),
    ("plugins/mdmd/curve.py", "from mlbackend.services import jobs", "Plugins import from mlbackend only its SDK"),
    ("plugins/dummy/__init__.py", "from mlbackend.evaluation import loso", "Plugins import from mlbackend only its SDK"),
    ("annotator/services/events.py", "import mlbackend.models", "annotator's app code never imports mlbackend"),
    ("annotator/views/pages.py", "from mlbackend.registry import plugin_names",
     "annotator's app code never imports mlbackend"),
])
def test_each_contract_breaks_on_a_violation(tmp_path, path, line, contract):
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    target = tmp_path / path
    target.write_text(f"{line}\n{target.read_text()}")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    broken = [chunk for chunk in result.stdout.split("\n\n") if "BROKEN" in chunk]
    assert broken and all(contract in " ".join(chunk.split()) for chunk in broken), result.stdout
