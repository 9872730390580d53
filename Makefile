# The two quickstart commands are `make demo` and `make test`; each builds the environment it needs.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export RUNTIME__DLTHUB_TELEMETRY := false
export GX_ANALYTICS_ENABLED := false
export DAGSTER_DISABLE_TELEMETRY := true

.PHONY: demo test lint format lock dev clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

demo: $(STAMP)  ## generate demo data, load it, build the warehouse through Dagster, print a summary
	$(BIN)/nurture demo

test: $(STAMP)  ## the whole test suite (pytest; dbt builds and dbt tests run inside it)
	$(BIN)/python -m pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 0; fi; exit $$rc

lint: $(STAMP)  ## ruff on Python, sqlfluff on the dbt models
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	cd dbt_project && ../$(BIN)/sqlfluff lint models

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	cd dbt_project && ../$(BIN)/sqlfluff fix models

dev: $(STAMP)  ## the Dagster UI on http://127.0.0.1:3000
	DAGSTER_HOME=$(CURDIR) $(BIN)/dagster dev -m orchestration.definitions

lock:  ## re-resolve the pinned set from pyproject.toml
	rm -rf /tmp/nurture-lock && $(PYTHON) -m venv /tmp/nurture-lock
	/tmp/nurture-lock/bin/pip install --quiet -e '.[dev]'
	(echo '# Exact versions for a fresh machine: make installs these, then the project itself with --no-deps.'; \
	 echo '# Regenerate after changing pyproject.toml: make lock'; \
	 /tmp/nurture-lock/bin/pip freeze --exclude-editable | grep -v '^nurture') > requirements.lock

clean:
	rm -rf data dbt_project/target dbt_project/logs
