# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make run    environment, install, migrate SQLite, demo data, serve with background jobs
#   make test   environment, install, the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test check install migrate demo messages bench clean validator

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is needed, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo --if-empty

run: demo
	@echo ""
	@echo "  Cohort LMS on http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	@echo "  Demo logins, password 'demo': student, instructor, designer, admin"
	@echo "  Emails are printed below; background jobs run on an embedded broker."
	@echo ""
	HOST=$(HOST) PORT=$(PORT) $(BIN)/honcho --procfile Procfile.dev start

test: install validator
	$(BIN)/pytest

check: install
	$(BIN)/ruff check .
	# The layers (pyproject.toml, [tool.importlinter]): no app imports an app above it.
	$(BIN)/lint-imports --no-cache
	# No module outside migrations and tests grows past 600 lines (split it by concern).
	@big=$$(find lms cms notifications cohorts assignments payments live reviews badges community memberships privacy portal home \
	  -name '*.py' -not -path '*/migrations/*' -exec awk 'END { if (NR > 600) print FILENAME ": " NR " lines" }' {} \;); \
	  if [ -n "$$big" ]; then echo "$$big"; exit 1; fi
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null
	# The production settings pass Django's deployment checklist (dummy secret and host).
	LMS_ENV=production DJANGO_ALLOWED_HOSTS=lms.example.org \
	DJANGO_SECRET_KEY=make-check-only-dummy-secret-not-used-anywhere-0123456789 \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

messages: install
	$(BIN)/python manage.py makemessages -l nl --ignore=.venv --ignore=staticfiles --ignore=var --ignore=tests --ignore=bench
	$(BIN)/python manage.py compilemessages --ignore=.venv

# The 1EdTech Open Badges validator for tests/badges/test_validator.py, in its own
# virtualenv: it pins libraries far older than the project's.
validator: .venv-obv/.installed

.venv-obv/.installed:
	$(PYTHON) -m venv .venv-obv
	.venv-obv/bin/python -m pip install --quiet "openbadges==1.1.2"
	.venv-obv/bin/python -m pip install --quiet "pycryptodome>=3.20"
	touch $@

bench: install
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/allocation.py
	$(BIN)/python bench/peer_coverage.py
	$(BIN)/python bench/webhooks.py
	$(BIN)/python bench/memberships.py
	$(BIN)/python bench/badges.py
	$(BIN)/python bench/feed.py
	$(BIN)/python bench/notifications.py
	$(BIN)/python bench/community.py
	$(BIN)/python bench/faults_web.py
	$(BIN)/python bench/faults.py
	$(BIN)/python bench/privacy.py

clean:
	rm -rf $(VENV) .venv-obv var staticfiles
