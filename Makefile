# Two commands for everyone: `make book` and `make test`. Both set up what they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.rnncourse-setup
VENDOR_STAMP := book/_vendor/.done
JOBS ?= 2
# The one torch that may ever be installed here: a local CPU build. Installed first, then pinned
# through a constraints file so no later step can pull a newer (CUDA) build.
TORCH_PIN := torch==2.13.0

.PHONY: help setup vendor browser-deps sandbox-deps speech-deps book test test-quick test-unit test-notebooks test-browser lint exercises bench clean lab

help:
	@echo "make book   - set up and build the rendered book into _build/html"
	@echo "make test   - set up and run every test (unit, exercises under nbval, the book build that"
	@echo "              executes every chapter, the built book in a browser)"
	@echo "make test-quick - ruff and the unit tests not marked slow: no browser, no book build"
	@echo "make bench  - run the benchmarks (prints measured ratios)"
	@echo "make lab    - set up and start JupyterLab on this repository (exercises open as notebooks)"

# uv installs the ~150 packages several times faster than pip (make test starts from a fresh venv in
# CI); pip installs uv itself into the venv, nothing is needed on the machine. uv does not read pip's
# configuration, so the wheel folder pip is configured with (where the local torch build lies) is
# handed over as --find-links.
UV := $(PY) -m uv pip install -q --python $(PY)
# CI here sets PYTHONDONTWRITEBYTECODE: then no .pyc file is ever written (uv compiles none at
# install) and every process - test workers, sandboxes, kernels - compiles torch anew (import 4.5 s
# instead of 1.9 s). Letting the first import write them costs less than compiling every package.
unexport PYTHONDONTWRITEBYTECODE
FIND_LINKS := $(shell $(PYTHON) -m pip config list 2>/dev/null | sed -n "s/^[^=]*find-links='\(.*\)'$$/\1/p" | head -1)

# The venv starts without pip (ensurepip alone takes 3 s); the machine's pip (>= 22.3: --python)
# puts uv into it, or, where the machine has no pip, the venv's own ensurepip does. uv then installs
# everything else, pip included.
$(STAMP): pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv --without-pip $(VENV)
	$(PYTHON) -m pip --python $(PY) install -q uv 2>/dev/null || \
	  { $(PY) -m ensurepip >/dev/null && $(PIP) install -q uv; }
	$(UV) $(if $(FIND_LINKS),--find-links $(FIND_LINKS)) "$(TORCH_PIN)"
	echo "$(TORCH_PIN)" > $(VENV)/constraints.txt
	$(UV) $(if $(FIND_LINKS),--find-links $(FIND_LINKS)) -c $(VENV)/constraints.txt -e ".[book,test,lab]" pip
	# The kernel JupyterLab starts must carry the display name the notebooks' headers carry, or
	# opening a notebook would mark it modified (and saving would rewrite its header).
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3" >/dev/null
	$(PY) -c "import torch, sys; v = torch.__version__; sys.exit(0 if v.startswith('2.13.0') else 'unexpected torch ' + v)"
	touch $(STAMP)

setup: $(STAMP)

# MathJax, require.js and the ipywidgets HTML manager, served from the built site (no CDN).
$(VENDOR_STAMP): .ci/vendor.sh
	bash .ci/vendor.sh book/_vendor

vendor: $(VENDOR_STAMP)

# Headless Chromium from Debian for the browser test (Playwright's own download does not work here),
# and axe-core from the npm registry for its accessibility audit (tests/browser/a11y.py).
AXE_CORE := axe-core@4.14.1
AXE_JS := $(VENV)/share/axe-core/axe.min.js
browser-deps: $(AXE_JS)
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }

$(AXE_JS):
	bash .ci/vendor.sh --axe $(dir $(AXE_JS)) $(AXE_CORE)

# bubblewrap from Debian: the grader isolates every submission with it (rnncourse grade); capsh
# (libcap2-bin) for the test that simulates Gradescope's container (root without CAP_SYS_ADMIN).
sandbox-deps:
	@command -v bwrap >/dev/null && command -v capsh >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap \
	    libcap2-bin >/dev/null; }

# espeak-ng from Debian: tests/data/test_speech.py regenerates a few shipped utterances with it
# (rnncourse/data/speech.py synthesises the spoken-digit features of chapter 13c).
speech-deps:
	@command -v espeak-ng >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq espeak-ng >/dev/null; }

# From scratch, every notebook executed (execute_notebooks: force in _config.yml), warnings are
# errors, and a failing cell fails the build (nb_execution_raise_on_error). Jupyter Book 1's own
# `build` reads pages one at a time; its documented route to Sphinx's options is a conf.py made from
# _config.yml (generated, never edited, not committed), so sphinx-build -j can execute $(JOBS)
# chapters at once. book/_ext is on PYTHONPATH for the local extensions _config.yml names.
book: setup vendor
	rm -rf _build/html _build/.doctrees _build/jupyter_execute conf.py
	@start=$$(date +%s); \
	  $(VENV)/bin/jupyter-book config sphinx . >/dev/null && \
	  PYTHONPATH=book/_ext $(VENV)/bin/sphinx-build -j $(JOBS) -W -n --keep-going -b html \
	    -d _build/.doctrees . _build/html && \
	  echo "Built _build/html/index.html in $$(( $$(date +%s) - start )) s"

lint: setup
	$(VENV)/bin/ruff check rnncourse tests benchmarks book/_ext
	$(VENV)/bin/ruff format --check rnncourse tests benchmarks book/_ext

# browser-deps: tests/widgets drive the live redraw in Chromium; speech-deps: tests/data/test_speech.py
test-unit: setup sandbox-deps browser-deps speech-deps
	$(PY) -m pytest -n $(JOBS) --dist worksteal tests --ignore=tests/browser

# Each notebook runs once per `make test`: the chapters (book/) are executed by `make book`, which
# fails on any cell error; nbval runs the exercise notebooks. One chapter under nbval:
# `make test-notebooks NOTEBOOKS=book/09_lstm.md`.
NOTEBOOKS ?= solutions exercises
test-notebooks: setup sandbox-deps
	$(PY) -m pytest -n $(JOBS) --nbval-lax --nbval-current-env $(NOTEBOOKS)

# Needs the built book (`make book`); fails with that message otherwise. Full-page screenshots of every
# page in _build/screenshots/: make test-browser RNNCOURSE_SCREENSHOTS=1. $(JOBS) workers, each with
# its own page server and Chromium (a page's test mostly waits on the browser); each test goes to
# the next free worker, except the JupyterLab module's, which share one server and run in order on
# one worker (the scheduler in tests/browser/conftest.py; pytest-xdist's --dist loadgroup does not
# hold with pytest 9, and --dist loadfile leaves test_book.py's pages on one worker).
test-browser: setup browser-deps
	$(PY) -m pytest -n $(JOBS) tests/browser

# The developer's loop: ruff and the tests not marked slow (CONTRIBUTING: no training, browser or
# subprocess of seconds), no browser, no book build, nothing installed with apt-get. Before a
# commit that touches a chapter, the build, the browser tests or the grader: `make test`.
test-quick: lint
	$(PY) -m pytest -n $(JOBS) --dist worksteal -m "not slow" tests --ignore=tests/browser

# One thing at a time: this machine's two cores give about 1.4 cores of throughput, and running the
# tests beside the book build was measured slower than one after the other (239 s against 199 s).
# Every process single-threaded: BLAS and OpenMP threads that spin while waiting for a core cost
# the other process its time (the unit tests: 79 s instead of 87 s).
test: setup lint test-unit test-notebooks book test-browser

test-quick test-unit test-notebooks book test-browser: export OMP_NUM_THREADS = 1
test-quick test-unit test-notebooks book test-browser: export OPENBLAS_NUM_THREADS = 1
test-quick test-unit test-notebooks book test-browser: export MKL_NUM_THREADS = 1

# Refuses to overwrite an exercise that differs from its stub (a learner's work) unless FORCE=1.
exercises: setup
	$(PY) -m rnncourse.grading.generate solutions exercises $(if $(FORCE),--force)

# JupyterLab with the project's settings (jupyter/ on JUPYTER_CONFIG_PATH: text notebooks open as
# notebooks on double-click, open clean and save without header noise, citations readable) and the
# venv first on PATH for the kernels and the terminals, whatever the login shell's profile does
# (rnncourse/lab/launch.py). rnncourse grade isolates with bubblewrap where installed (Linux: make
# sandbox-deps, or the distribution's bubblewrap package); without it (macOS, Windows) it grades
# your own work unisolated and says so. Extra arguments: make lab LAB_ARGS="--port 8890".
lab: setup
	@command -v bwrap >/dev/null || echo "note: bubblewrap is not installed: rnncourse grade will" \
	  "grade without isolation (Linux: sudo apt-get install bubblewrap)"
	$(PY) -m rnncourse.lab.launch $(LAB_ARGS)

bench: setup
	$(PY) benchmarks/run.py

clean:
	rm -rf _build .jupyter_cache book/_vendor conf.py
