# The README's two commands:  make report   and   make test
VENV  ?= .venv
MONTH ?= 2026-10
LANG_ ?= en

.PHONY: setup report report-zh test lab clean-reports

setup:
	./scripts/setup.sh

report: setup        ## set everything up, then build the sample month's report pack
	$(VENV)/bin/ccnb report --month $(MONTH) --lang $(LANG_)

report-zh: setup     ## the same pack in Simplified Chinese
	$(VENV)/bin/ccnb report --month $(MONTH) --lang zh

test: setup          ## run the test suite (what CI runs)
	$(VENV)/bin/python -m pytest

lab: setup           ## open the notebooks in JupyterLab
	$(VENV)/bin/jupyter lab notebooks/

clean-reports:       ## delete every pack, the hidden build folders (.2026-10.tmp-<pid>, .old-<pid>) and locks
	find reports -mindepth 1 -maxdepth 1 ! -name .gitkeep -exec rm -rf {} +
