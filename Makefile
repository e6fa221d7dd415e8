# Two entry points for a newcomer: `make demo` and `make test`. Both create .venv when needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test lint bench clean-venv

# torch first: sdv -> ctgan -> torch, and a bare `torch` requirement would pull a multi-GB CUDA build.
$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[ner,dev,spark]'
	# Test-only reference for the privacy attacks; its metadata pins numpy<1.27 and pyarrow<22,
	# which would break sdv and polars, yet it runs on numpy 2 (tests/integration/test_anonymeter_agreement.py).
	$(BIN)/python -m pip install --quiet --no-deps anonymeter==1.1.0
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/synthpriv run sample_data/healthcare.csv -o out/healthcare --overwrite
	$(BIN)/synthpriv run sample_data/finance.csv -o out/finance --overwrite
	@echo "Reports: out/healthcare/report.html and out/finance/report.html"

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check synthpriv tests bench sample_data docs
	$(BIN)/ruff format --check synthpriv tests bench sample_data docs

bench: $(STAMP)
	$(BIN)/python bench/run_adult.py

clean-venv:
	rm -rf $(VENV)
