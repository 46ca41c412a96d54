# The two commands the README opens with: `make demo` and `make test`.
# Both build a local virtual environment first, so a fresh clone needs only
# Python 3.10+ and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-lowest lint format clean system-deps bench bench-instructions bench-pieces bench-receivers bench-phases bench-webhook

# $(call venv,FOLDER,EXTRAS[,PIP OPTIONS]): a virtual environment in FOLDER
# with pelican-flattr and its EXTRAS installed from this clone. Extras are
# joined with $(COMMA): a bare comma would split the call's arguments.
COMMA := ,
define venv
	$(PYTHON) -m venv $(1)
	$(1)/bin/python -m pip install --quiet --upgrade pip
	$(1)/bin/python -m pip install --quiet -e ".[$(2)]" $(3)
endef

$(STAMP): pyproject.toml
	$(call venv,$(VENV),test$(COMMA)browser$(COMMA)lint)
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/pelican sample_site/content -s sample_site/pelicanconf.py -o sample_site/output
	@echo
	@echo "Built the sample site's preview (sample_site/pelicanconf.py) into"
	@echo "sample_site/output/; sample_site/README.md says how to build it as"
	@echo "published, with sample_site/publishconf.py. The warning about"
	@echo "Eve Example is meant: the sample site shows an author with no owner."
	@echo "Open sample_site/output/index.html, or serve it with:"
	@echo "  $(BIN)/python -m http.server -d sample_site/output 8000"
	@echo "The manifest of every Flattr thing is sample_site/output/flattr-manifest.json."

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Debian packages the browser, HTML validity and accessibility tests need,
# as command:package pairs: Chromium (driven by Playwright), a Java runtime
# for vnu.jar, and npm to fetch axe-core. Installed with apt-get when
# missing and we are root (as in CI); otherwise this says what to install
# and fails. Nothing to do, and fast, when all are there.
SYSTEM_DEPS := chromium:chromium java:default-jre-headless npm:npm

system-deps:
	@missing=""; \
	for dep in $(SYSTEM_DEPS); do \
		command -v "$${dep%%:*}" >/dev/null 2>&1 || missing="$$missing $${dep#*:}"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "The browser and HTML validity tests need these Debian packages:$$missing" >&2; \
		echo "Install them as root, then run make test again:" >&2; \
		echo "  apt-get update && apt-get install --no-install-recommends$$missing" >&2; \
		exit 1; \
	fi; \
	echo "Installing Debian packages:$$missing"; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get -o DPkg::Lock::Timeout=300 update -q && \
	apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends $$missing

test: lint system-deps
	$(BIN)/python -m pytest

# The suite against the lowest versions pyproject.toml allows, in a venv of
# its own: `make test-lowest PYTHON=python3.10` checks the oldest Python too.
LOWEST_VENV ?= .venv-lowest

test-lowest: system-deps
	$(call venv,$(LOWEST_VENV),test$(COMMA)browser$(COMMA)lint,-c tests/lowest-versions.txt)
	$(LOWEST_VENV)/bin/python -m pytest

# Figures, not tests: see docs/performance.md and docs/webhooks.md. The
# builds run in a venv of their own, with the plugin's runtime dependencies
# only, as a site's: Pelican imports every installed namespace plugin in
# every run, PLUGINS or not, and the test extras' (pelican-seo imports
# BeautifulSoup) would add ~2 % to both builds of a pair.
BENCH_VENV ?= .venv-bench
BENCH := $(BENCH_VENV)/bin
BENCH_STAMP := $(BENCH_VENV)/.installed

$(BENCH_STAMP): pyproject.toml
	$(call venv,$(BENCH_VENV),markdown)
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BENCH)/python benchmarks/build_cost.py --sizes 1000 5000 20000 --pairs 7

# Instructions counted by callgrind (needs valgrind): the figure a shared
# machine cannot blur.
bench-instructions: $(BENCH_STAMP)
	$(BENCH)/python benchmarks/instructions.py --sizes 1000

# The same count split among the plugin's pieces (import, receivers, the
# main steps inside them) within one real build (needs valgrind).
bench-pieces: $(BENCH_STAMP)
	$(BENCH)/python benchmarks/pieces.py --size 1000

# Timers around each of the plugin's receivers in one real build per size:
# where its time goes, and whether any part grows faster than N.
bench-receivers: $(BENCH_STAMP)
	$(BENCH)/python benchmarks/receivers.py --sizes 1000 5000 20000

# CPU time per phase of a build (reading, feeds, pages...), plain and with the
# plugin, in alternating pairs: where the plugin's extra time falls.
bench-phases: $(BENCH_STAMP)
	$(BENCH)/python benchmarks/phases.py --sizes 1000 --pairs 30

bench-webhook: $(STAMP)
	$(BIN)/python benchmarks/webhook_bench.py

clean:
	rm -rf $(VENV) $(LOWEST_VENV) $(BENCH_VENV) sample_site/output .cache/node
