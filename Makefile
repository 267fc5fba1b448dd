# Audiobooker: `make run` to use it, `make test` to test it. Both install what they need.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# Tesseract's English data (and OSD, which tesseract-ocr brings) for OCR of scanned pages; more
# languages: apt-get install tesseract-ocr-LANG (README, "Scanned PDFs"). DejaVu Sans draws the
# typographic covers (conversions/cover.py).
OS_PACKAGES := espeak-ng libespeak-ng1 tesseract-ocr tesseract-ocr-eng fonts-dejavu-core
TEST_OS_PACKAGES := chromium poppler-utils ffmpeg nginx-light tesseract-ocr-rus
ADDR ?= 127.0.0.1:8000
PYTEST_ARGS ?=

.PHONY: run test test-fast test-sqlite test-postgres lint format migrations-check bench os-deps install clean

run: install os-deps
	$(PY) manage.py migrate --no-input
	scripts/run $(PY) $(ADDR)

test: install os-deps lint migrations-check
	@scripts/os-deps $(TEST_OS_PACKAGES)
	@scripts/fetch-manuals
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

# The tests not marked slow, on SQLite: the quick loop while developing.
test-fast: install
	$(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

test-sqlite:
	@echo "== test suite on SQLite =="
	$(PY) -m pytest $(PYTEST_ARGS)

# Only the tests that use the database (tests/conftest.py): the others ran on SQLite already.
test-postgres:
	@echo "== the tests that use the database, on a throwaway PostgreSQL =="
	AUDIOBOOKER_DATABASE_TESTS_ONLY=1 scripts/with-postgres $(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrations-check: install
	$(PY) manage.py makemigrations --check --dry-run

# Benchmarks print Markdown tables; copy them into docs/benchmarks.md.
bench: install os-deps
	@scripts/os-deps $(TEST_OS_PACKAGES)
	@scripts/fetch-manuals
	$(PY) bench/queue.py
	scripts/with-postgres $(PY) bench/queue.py
	$(PY) bench/library.py
	scripts/with-postgres $(PY) bench/library.py
	$(PY) bench/upload.py
	$(PY) bench/load.py
	scripts/with-postgres $(PY) bench/load.py
	$(PY) bench/text_quality.py
	$(PY) bench/chapters.py
	$(PY) bench/ocr.py
	$(PY) bench/normalize.py
	$(PY) bench/convert.py
	$(PY) bench/voices.py
	$(PY) bench/intelligibility.py
	$(PY) bench/first_audio.py

os-deps:
	@scripts/os-deps $(OS_PACKAGES)

install: $(VENV)/.installed

# Reinstalled whenever requirements.txt changes.
$(VENV)/.installed: requirements.txt
	@test -x $(PY) || { python=$$(scripts/find-python) && echo "creating $(VENV) with $$python" && $$python -m venv $(VENV); }
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	@touch $@

clean:
	rm -rf $(VENV) .cache .pytest_cache .ruff_cache staticfiles
