# Two commands do everything: `make demo` and `make test` (see README).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test install install-dev check lint typecheck messages bench-matcher bench-enroll bench-latency bench-stream bench-gallery bench-alerts bench-monitor bench-kiosk bench-encoder bench-detector bench-reports bench-purge bench-review

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Stamps re-run the install only when a requirements file changed.
$(VENV)/.runtime: $(BIN)/python requirements.txt requirements-nodeps.txt
	$(PIP) install -r requirements.txt
	$(PIP) install --no-deps -r requirements-nodeps.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PIP) install -r requirements-dev.txt
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

demo: $(VENV)/.runtime
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py seed_demo
	@echo "Serving on http://$(HOST):$(PORT)/ (Ctrl+C stops it); the demo camera plays the bundled clip"
	@$(BIN)/python manage.py fake_camera tests/fixtures/faces/short_hamilton_clip.mp4 --port 8081 & FAKE=$$!; \
	trap 'kill $$FAKE 2>/dev/null' EXIT INT TERM; \
	$(BIN)/daphne -b $(HOST) -p $(PORT) school.asgi:application

test: $(VENV)/.dev
	@$(BIN)/python -m tests.services check
	DATABASE_URL="$${DATABASE_URL:-$$($(BIN)/python -m tests.services database-url)}" \
		$(BIN)/python -m pytest $(PYTEST_ARGS)

check: lint typecheck

lint: $(VENV)/.dev
	$(BIN)/ruff check .

typecheck: $(VENV)/.dev
	$(BIN)/mypy

# Regenerates locale/pt_BR from the code and compiles it (needs GNU gettext); the .mo files are committed.
messages: $(VENV)/.dev
	$(BIN)/python manage.py makemessages -l pt_BR --ignore=.venv --ignore=staticfiles --no-obsolete
	$(BIN)/python manage.py compilemessages -l pt_BR --ignore=.venv

bench-matcher: $(VENV)/.dev
	$(BIN)/python -m bench.matcher $(BENCH_ARGS)

bench-enroll: $(VENV)/.dev
	$(BIN)/python -W ignore -m bench.enroll $(BENCH_ARGS)

bench-latency: $(VENV)/.dev
	$(BIN)/python -W ignore -m bench.latency $(BENCH_ARGS)

bench-stream: $(VENV)/.dev
	$(BIN)/python -W ignore -m bench.stream $(BENCH_ARGS)

bench-gallery: $(VENV)/.dev
	$(BIN)/python -W ignore -m bench.gallery $(BENCH_ARGS)

bench-alerts: $(VENV)/.dev
	$(BIN)/python -W ignore -m bench.alerts $(BENCH_ARGS)

bench-monitor: $(VENV)/.dev
	$(BIN)/python -W ignore -m bench.monitor $(BENCH_ARGS)

bench-kiosk: $(VENV)/.dev
	$(BIN)/python -W ignore -m bench.kiosk $(BENCH_ARGS)

bench-encoder: $(VENV)/.dev
	$(BIN)/python -W ignore -m bench.encoder $(BENCH_ARGS)

bench-detector: $(VENV)/.dev
	$(BIN)/python -W ignore -m bench.detector $(BENCH_ARGS)

bench-reports: $(VENV)/.dev
	$(BIN)/python -W ignore -m bench.reports $(BENCH_ARGS)

bench-purge: $(VENV)/.dev
	$(BIN)/python -W ignore -m bench.purge $(BENCH_ARGS)

bench-review: $(VENV)/.dev
	$(BIN)/python -W ignore -m bench.review $(BENCH_ARGS)
