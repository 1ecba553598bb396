# Two commands for a new user: `make run` and `make test`.
# Both create .venv and install pinned dependencies (quick when already installed).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.install-stamp
TEST_STAMP := $(VENV)/.test-install-stamp
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: run test install index lint eval bench clean chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch first, pinned, so pip takes the local CPU wheel and never a CUDA build.
$(STAMP): pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -c requirements.lock -e .
	touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -c requirements.lock -e ".[test,milvus]"
	touch $(TEST_STAMP)

install: $(STAMP)

index: $(STAMP)
	$(BIN)/assistant index build

run: $(STAMP)
	$(BIN)/assistant index build
	$(BIN)/assistant serve --host 127.0.0.1 --port 7860

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

lint: $(TEST_STAMP)
	$(BIN)/ruff check assistant tests

test: $(TEST_STAMP) chromium lint
	$(BIN)/python -m pytest -q

eval: $(STAMP)
	$(BIN)/assistant eval --suite seed
	$(BIN)/assistant eval --suite attribution

bench: $(STAMP)
	$(BIN)/assistant bench --corpus-set all

clean:
	rm -rf $(VENV) index/gen-* index/CURRENT index/bench-*
