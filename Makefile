# Pathways: every command a newcomer, an instructor or CI needs. Run `make help` for the list.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.pathways-installed
PORT   ?= 8866
LAB_PORT ?= 8888
PYTEST_ARGS ?=

.PHONY: help setup start lab labextension dashboards site bench-site test test-fast test-browser-loop lint bench bench-grading bench-dashboards bench-load lock clean

help:
	@echo "make setup             set up only (.venv with every tool; no JupyterLab): then .venv/bin/pathways ..."
	@echo "make start             set up, build the learners' lessons and open JupyterLab on 127.0.0.1"
	@echo "make test              set up and run the whole test suite (what CI runs)"
	@echo "make test-fast         the fast tests only (seconds), while you work"
	@echo "make test-browser-loop the browser tests 10 times under load on both cores (RUNS=N)"
	@echo "make site              build the lessons as a static site (build/site) and SCORM packages (build/scorm)"
	@echo "make dashboards        serve the lessons as Voila dashboards on 127.0.0.1:$(PORT)"
	@echo "make bench             every benchmark (bench-grading, bench-dashboards, bench-load)"
	@echo "make bench-workshop    (as root) a workshop of LEARNERS=30 on this machine: start, memory, hand in, grade"
	@echo "make workshop          (as root) JupyterHub for a class: CLASS=class.csv [ADDRESS=127.0.0.1] [HUB_PORT=8000]"
	@echo "make workshop-stop     (as root) collect and archive every hand-in, remove accounts, homes, exchange"
	@echo "make lint              ruff over the code"
	@echo "make lock              re-pin constraints.txt from the current environment"
	@echo "make labextension      rebuild the learners' lesson-autorun JupyterLab extension (needs node and npm)"

# The environment: a venv with exactly the pinned versions (constraints.txt) of what pyproject.toml asks for.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test,workshop]"
	@# Keep notebooks clean automatically: git strips outputs on every commit (cell ids are kept).
	-@git rev-parse --git-dir >/dev/null 2>&1 && git config filter.nbstripout.clean "$(CURDIR)/$(BIN)/python -m nbstripout --keep-id" \
	  && git config filter.nbstripout.smudge cat && git config filter.nbstripout.required true
	touch $(STAMP)

# Set up and stop: for an instructor who grades (.venv/bin/pathways ...) and opens no JupyterLab.
setup: $(STAMP)
	@echo "Ready: run .venv/bin/pathways --help (the instructor's commands: grading/GRADING.md)"

start: $(STAMP)
	$(BIN)/pathways lab workspace --port $(LAB_PORT)

lab: start

# The learners' lesson-autorun JupyterLab extension (grading/delivery/learner/autorun/index.js), rebuilt from its source
# with the locked builder into grading/delivery/learner/labextensions/; the build is committed (learners need no node) with
# the hash of the source it came from, which a fast test checks (tests/unit/test_learner_lab.py).
AUTORUN := grading/delivery/learner/autorun
AUTORUN_BUILD := grading/delivery/learner/labextensions/pathways-lesson-autorun
labextension: $(STAMP)
	cd $(AUTORUN) && npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(AUTORUN_BUILD)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/jupyter-builder build $(AUTORUN)
	cd $(AUTORUN) && cat index.js package.json package-lock.json | sha256sum | cut -d' ' -f1 > $(CURDIR)/$(AUTORUN_BUILD)/source.sha256

dashboards: $(STAMP)
	$(BIN)/pathways dashboards build
	$(BIN)/pathways dashboards serve --port $(PORT)

# The static site (build/site) and one SCORM 1.2 package per lesson (build/scorm): no server, no kernel.
site: $(STAMP)
	$(BIN)/pathways site --scorm

# The shared hub environment of `pathways workshop` (a venv from Debian's Python and the proxy, minutes to build):
# made here before the tests, never inside them; rebuilt only when what goes into it changes. Not root, or a tool
# missing: it says so and the workshop test skips.
# HUB_ENV: the configured one (pathways.config: PATHWAYS_WORKSHOP_SHARED, default /opt/pathways-workshop)
ifndef HUB_ENV
HUB_ENV := $(shell $(BIN)/python -c 'from pathways import config; print(config.current().workshop_shared)' 2>/dev/null || echo /opt/pathways-workshop)
endif
HUB_STAMP := $(HUB_ENV)/.pathways-prepared
HUB_INPUTS := constraints.txt pyproject.toml $(shell find widgets grading lessons -type f -not -path '*/__pycache__/*' -not -path '*/node_modules/*')
$(HUB_STAMP): $(STAMP) $(HUB_INPUTS)
	$(BIN)/pathways workshop prepare --if-possible --shared $(HUB_ENV) --stamp $@

# The whole suite on two workers; the 25 slowest tests are listed at the end, so later work sees the budget.
test: $(STAMP) $(HUB_STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadgroup --durations=25 $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow and not browser" $(PYTEST_ARGS)

# A workshop server on this machine (run as root): see README, "Running a workshop".
CLASS ?= class.csv
ADDRESS ?= 127.0.0.1
HUB_PORT ?= 8000
.PHONY: workshop workshop-stop
workshop: $(STAMP) $(HUB_STAMP)
	$(BIN)/pathways workshop start --class-list $(CLASS) --address $(ADDRESS) --port $(HUB_PORT)

workshop-stop: $(STAMP)
	$(BIN)/pathways workshop stop

lint: $(STAMP)
	$(BIN)/ruff check widgets grading tests && $(BIN)/python tests/unit/test_architecture.py  # lint-imports
	$(BIN)/python -m pytest tests/unit/test_layout.py -q -p no:cacheprovider  # no module over 400 lines, no function over 60

bench: bench-grading bench-dashboards bench-load

bench-grading: $(STAMP)
	$(BIN)/python tests/bench/bench_grading.py

bench-dashboards: $(STAMP)
	$(BIN)/python tests/bench/bench_dashboards.py

bench-load: $(STAMP)
	$(BIN)/python tests/bench/bench_load.py

# The static site against the Voila dashboards, in one run: first-visit bytes, time to interactive, 1000 visitors.
bench-site: $(STAMP)
	$(BIN)/python tests/bench/bench_site.py

# Not in `make bench`: it needs root, creates real accounts (removed at the end) and takes both cores for minutes.
LEARNERS ?= 30
.PHONY: bench-workshop
bench-workshop: $(STAMP) $(HUB_STAMP)
	$(BIN)/python tests/bench/bench_workshop.py --learners $(LEARNERS)

# The browser tests RUNS times in a row while two busy processes load both cores (a flakiness check).
RUNS ?= 10
test-browser-loop: $(STAMP)
	$(BIN)/python tests/bench/browser_loop.py --runs $(RUNS)

lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e' > constraints.txt

clean:
	rm -rf build .pytest_cache
