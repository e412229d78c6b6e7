"""Settings come from the environment; production refuses an unsafe start."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from annotator import settings as settings_module

REPO = Path(__file__).resolve().parents[2]
# Variables that would make a subprocess inherit this run's setup instead of the one the test describes.
INHERITED = {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS",
             "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS",
             "SECURE_HSTS_PRELOAD", "MESTUDIO_VAR_DIR", "MEDIA_ROOT", "MESTUDIO_SQLITE_PATH"}


def run_python(args: list[str], env: dict, tmp_path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in INHERITED}
    clean.update({"DJANGO_SETTINGS_MODULE": "annotator.settings", "MESTUDIO_VAR_DIR": str(tmp_path / "var")}, **env)
    return subprocess.run([sys.executable, *args], cwd=REPO, env=clean, capture_output=True, text=True, timeout=120)


def test_the_built_in_key_refuses_to_serve_outside_debug(tmp_path):
    result = run_python(["-c", "import annotator.asgi"], {"DEBUG": "0"}, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_an_empty_key_counts_as_no_key(tmp_path):
    result = run_python(["-c", "import annotator.asgi"], {"DEBUG": "0", "SECRET_KEY": ""}, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_a_real_key_starts(tmp_path):
    result = run_python(["-c", "import annotator.asgi; print('asgi ok')"],
                        {"DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50)}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "asgi ok" in result.stdout


def test_deploy_checks_pass_with_production_settings(tmp_path):
    key = secrets.token_urlsafe(50)[:50]
    assert len(key) == 50
    result = run_python(["manage.py", "check", "--deploy"],
                        {"DEBUG": "0", "SECRET_KEY": key, "ALLOWED_HOSTS": "example.org"}, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


def test_deploy_checks_catch_debug(tmp_path):
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                        {"DEBUG": "1", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "example.org"},
                        tmp_path)
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr  # DEBUG in deployment


def test_database_url_selects_postgresql(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://lab:s3cret@db.internal:5433/mestudio")
    config = settings_module.database_config()
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"], config["PASSWORD"], config["HOST"], config["PORT"]) == (
        "mestudio", "lab", "s3cret", "db.internal", 5433)
    assert config["TEST"]["NAME"] == "test_mestudio"


def test_no_database_url_means_sqlite_in_wal_mode(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("MESTUDIO_SQLITE_PATH", str(tmp_path / "lab.sqlite3"))
    config = settings_module.database_config()
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == str(tmp_path / "lab.sqlite3")
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]


@pytest.mark.embedded
@pytest.mark.django_db
def test_the_sqlite_connection_really_runs_in_wal_mode():
    assert connection.vendor == "sqlite"
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0].lower() == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 5000

