# The two commands the README opens with: `make demo` and `make test`.
# Both build a local virtual environment first, so a fresh clone needs only
# Python 3.10+ and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/pelican sample_site/content -s sample_site/pelicanconf.py -o sample_site/output
	@echo
	@echo "Built the sample site into sample_site/output/."
	@echo "Open sample_site/output/index.html, or serve it with:"
	@echo "  $(BIN)/python -m http.server -d sample_site/output 8000"
	@echo "The manifest of every Flattr thing is sample_site/output/flattr-manifest.json."

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) sample_site/output
