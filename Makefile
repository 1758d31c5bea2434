# Set-up and the everyday commands: `make demo`, `make test-fast` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO := demo
# the Airflow UI's port for `make airflow` (make airflow PORT=8090)
PORT ?= 8080
# pytest-xdist workers for `make test`: one more than the CPUs, as the live tests spend much of
# their time waiting on Airflow's scheduler, and the other workers use that time
PYTEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))

.PHONY: demo test test-fast screenshots lint lock clean airflow messages catalogs

# The virtual environment with exactly the locked versions (constraints.txt).
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check "pip==26.3"
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev,celery]"
	touch $@

# Sample deliveries -> the nightly DAG through Airflow -> warehouse and draft. The table of the
# tasks' states is shown; Airflow's own output goes to $(DEMO)/airflow.log.
demo: $(STAMP)
	rm -rf $(DEMO)
	$(BIN)/deptstats sample --out $(DEMO)/landing
	$(BIN)/deptstats run --landing $(DEMO)/landing --warehouse $(DEMO)/warehouse.db \
		--out $(DEMO)/out --airflow-home $(DEMO)/airflow --log $(DEMO)/airflow.log
	@echo
	@echo "landing folder: $(DEMO)/landing"
	@echo "warehouse:      $(DEMO)/warehouse.db   (try: $(BIN)/deptstats figures --warehouse $(DEMO)/warehouse.db --citywide)"
	@echo "draft:          $(DEMO)/out/reply-2024-147.docx and .md (review: $(DEMO)/out/reply-2024-147.review.docx)"
	@echo "check it:       $(BIN)/deptstats verify $(DEMO)/out/reply-2024-147.docx --warehouse $(DEMO)/warehouse.db"

# The Airflow UI with the real scheduler over the sample deliveries (Ctrl-C stops it).
airflow: $(STAMP)
	$(BIN)/deptstats airflow up --home .airflow --port $(PORT)

# Debian's packages some tests drive: Chromium for the browser tests (Playwright drives it and
# downloads no browser), docker-compose to check docker-compose.yaml (no Docker engine needed),
# LibreOffice with Noto CJK and poppler to render the DOCX reply to PDF and measure it.
SYSTEM_PACKAGES := chromium docker-compose libreoffice-writer-nogui fonts-noto-cjk poppler-utils
SYSTEM_TOOLS := /usr/bin/chromium /usr/bin/docker-compose /usr/bin/soffice /usr/bin/pdftotext
$(SYSTEM_TOOLS):
	@if [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    $(SYSTEM_PACKAGES) >/dev/null; \
	else \
	  echo "$@ is missing: 'sudo apt-get install $(SYSTEM_PACKAGES)' (its tests skip)"; \
	fi

# The unit tier: no Great Expectations run, no database server, no child process (README, Testing).
test-fast: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/pytest tests/unit

# Everything, in parallel; the live, browser and Celery tests one after another on one worker.
# Groups go out in collection order, so that group, the longest and collected first, starts at once.
test: $(STAMP) $(SYSTEM_TOOLS)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup --no-loadscope-reorder

# The steward's pages as README shows them: the browser test, its screenshots written to docs/.
screenshots: $(STAMP) /usr/bin/chromium
	DEPTSTATS_SCREENSHOTS=$(CURDIR)/docs $(BIN)/pytest tests/live/test_steward_browser.py

# The message catalogs (deptstats/locale): `make messages` extracts the ids from the code and the
# steward's templates into deptstats.pot and merges them into each language's .po, to be
# translated; `make catalogs` compiles the .po into the .mo that ship with the package.
LOCALE := src/deptstats/locale
messages: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k N_ -k render -k ngettext:1,2 --no-location \
		--omit-header --sort-output -o $(LOCALE)/deptstats.pot .
	for lang in zh_CN en; do \
	  if [ -f $(LOCALE)/$$lang/LC_MESSAGES/deptstats.po ]; then \
	    $(BIN)/pybabel -q update -D deptstats -i $(LOCALE)/deptstats.pot -d $(LOCALE) -l $$lang \
	      --no-fuzzy-matching --ignore-obsolete; \
	  else $(BIN)/pybabel -q init -D deptstats -i $(LOCALE)/deptstats.pot -d $(LOCALE) -l $$lang; fi; \
	done

catalogs: $(STAMP)
	$(BIN)/pybabel -q compile -D deptstats -d $(LOCALE)

lint: $(STAMP)
	$(BIN)/ruff check .

# Re-resolve the lock from pyproject.toml in a scratch environment.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet "pip==26.3"
	.lock-venv/bin/pip install --quiet -e ".[dev,celery]"
	{ echo "# Locked versions: the exact set CI tests. Regenerate with 'make lock' after changing"; \
	  echo "# pyproject.toml dependencies, and commit the result."; \
	  .lock-venv/bin/pip freeze --exclude-editable | grep -iv '^deptstats'; } > constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) $(DEMO) .airflow .pytest_cache .ruff_cache
