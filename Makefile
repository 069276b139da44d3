# Two entry points for a fresh clone (see README): `make run` and `make test`.
# Both create the virtual environment on first use and are safe to repeat.
PYTHON ?= python3
VENV ?= .venv
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint clean

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[test]'
	# An editable install leaves the package without bytecode, and where PYTHONDONTWRITEBYTECODE
	# is set every process would compile it again (0.2-0.5 s of each stage's start-up).
	$(VENV)/bin/python -m compileall -q src
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/dyadstats run

# pytest exits 5 when it collected no test: that is a failure here, not a pass.
test: $(STAMP)
	$(VENV)/bin/pytest; rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$rc

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks

clean:
	rm -rf results logs .snakemake
