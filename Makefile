# The two commands of the README: `make book` (the whole book, full profile) and `make test`.
# Both start from nothing but Python 3.11 and the package registries.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
PROFILE ?= full
NBVAL_DIR := .nbval
# Floating point of the chapters (vaxis.numerics): native = each library's fastest path (a reader's
# run: same machine, same numbers), portable = the same numbers on every x86-64 CPU (what nbval's
# committed references need). `make test` is always portable; `make book` follows NUMERICS (default
# native; NUMERICS=portable or VAXIS_NUMERICS=portable gives the references' numbers).
NUMERICS ?= $(or $(VAXIS_NUMERICS),native)
# Real data (book/data.md): FACED=/path to FACED's BIDS release (NEMAR nm000112) or Synapse folder,
# SEEDV=/path to SEED-V; each becomes the faced_dir / seedv_dir parameter of every chapter that has one.
# BOOK_ARGS: more runner options, e.g. BOOK_ARGS="-p n_subjects=40".
FACED ?=
SEEDV ?=
BOOK_ARGS ?=
DATA_ARGS := $(if $(FACED),-p faced_dir=$(FACED)) $(if $(SEEDV),-p seedv_dir=$(SEEDV))
PORTABLE := $(PY) -m vaxis.numerics portable --
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# PyTorch's OpenMP threads sleep, rather than spin, while they wait for each other: spinning threads of a
# chapter that shares its cores with other work (make test's two streams, a shared machine) take the
# cores from the thread they wait for. Chapter 1 under nbval beside one busy process: 383 s spinning,
# 128 s sleeping; alone 78 s either way (benchmarks/README.md). How threads wait never changes a number.
export OMP_WAIT_POLICY ?= PASSIVE
# no second copy of every wheel in pip's cache: the venv and the models already take ~6 GB of disk
export PIP_NO_CACHE_DIR := 1

.PHONY: book test env models chapters html clean tools unit-tests nbval-chapters book-build book-tests-built book-tests-rerun

book: models chapters html  ## the whole book with the full profile -> _build/html/index.html (FACED=/path: on real data)

test: models tools  ## unit tests, every quick chapter once under nbval, strict book build (all in portable numerics)
	rm -rf $(NBVAL_DIR)
	$(MAKE) --no-print-directory -j2 --output-sync=target unit-tests book-tests-built book-tests-rerun
	rm -rf $(NBVAL_DIR)/cache

# The steps of `make test`, two at a time on the two cores (one step alone keeps about one core busy);
# make starts each step as soon as the steps it needs have finished, and --output-sync prints each
# step's report whole when it ends.
# - unit-tests: known-answer tests on tiny data. They never touch the chapter run's files (tests/conftest.py
#   gives each test its own cache and results folders).
# - nbval-chapters: every chapter once, with the quick profile and an empty cache, under nbval, which
#   compares every printed output with the committed notebooks; vaxis.book.record keeps what that run
#   executed as the book's chapters (book/chapters), its run log and results (results/quick).
# - book-build: the strict book build of that run; book-tests-built: the tests of the built site, of
#   the run's resources, and tests/test_student.py (every student notebook re-run on this run's cache).
# - book-tests-rerun: tests/test_determinism.py (chapters 5 and 7 again from scratch, their result files
#   compared) and tests/test_faced_route.py (chapters 3 and 4 on a BIDS replica): both read chapter 1's
#   results of the run.
RERUN_TESTS := tests/test_determinism.py tests/test_faced_route.py
unit-tests:
	$(PORTABLE) $(PY) -m pytest tests -m "not book" -q --durations=10

nbval-chapters:
	VAXIS_CACHE=$(CURDIR)/$(NBVAL_DIR)/cache $(PORTABLE) env -u MPLBACKEND \
	  $(PY) -m pytest --nbval notebooks/ --nbval-sanitize-with tests/nbval_sanitize.cfg -q -p no:cacheprovider \
	  -p vaxis.book.record --vaxis-record quick

book-build: nbval-chapters
	$(PY) -m vaxis.book build

book-tests-built: book-build
	VAXIS_CACHE=$(CURDIR)/$(NBVAL_DIR)/cache $(PORTABLE) $(PY) -m pytest tests -m book -q -p no:cacheprovider \
	  $(addprefix --ignore=,$(RERUN_TESTS)) --durations=5

book-tests-rerun: nbval-chapters
	VAXIS_CACHE=$(CURDIR)/$(NBVAL_DIR)/cache $(PORTABLE) $(PY) -m pytest $(RERUN_TESTS) -m book -q -p no:cacheprovider \
	  --durations=5

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 or run make PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first and pinned: pip takes the CPU build from local disk, never a CUDA build
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[book,test]"
	touch $@

env: $(VENV)/.installed

models: env  ## install and convert the offline LLMs once (idempotent)
	$(PY) -m vaxis.llm provision

chapters: env
	$(PY) -m vaxis.book run --profile $(PROFILE) --numerics $(NUMERICS) $(DATA_ARGS) $(BOOK_ARGS)

html: env
	$(PY) -m vaxis.book build

# Best effort, from Debian's packages when run as root: headless Chromium for the rendering test and
# qemu-user for the cross-CPU numerics test (each test skips, saying why, without its tool).
TOOLS := $(if $(shell command -v chromium),,chromium) $(if $(shell command -v qemu-x86_64),,qemu-user)
tools:
	@[ -z "$(strip $(TOOLS))" ] || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(TOOLS) >/dev/null) \
	  || echo "note: $(strip $(TOOLS)) not installed; the tests that need them will be skipped"; }

clean:
	rm -rf _build book/chapters results .cache $(NBVAL_DIR)
