# Two commands do all the set-up: `make demo` (the quick start) and `make test` (the whole suite).
PYTHON ?= python3
STAMP := var/.installed

.PHONY: demo test lint install bench reliability clean

$(STAMP): pyproject.toml
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@mkdir -p var && touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PYTHON) -m nurture demo

test: $(STAMP)
	$(PYTHON) -m ruff check .
	$(PYTHON) -c "import sys, importlinter.cli as c; sys.exit(c.lint_imports())"
	$(PYTHON) -m pytest

bench: $(STAMP)
	$(PYTHON) bench/run_all.py

reliability: $(STAMP)
	$(PYTHON) bench/reliability.py

clean:
	rm -rf var .pytest_cache
