# Instructor targets (issue 7). Included from the top-level Makefile; run from the repository root.
#   make generate | check-sync | release | collect SUBMISSIONS=dir-or-zips | autograde | feedback | export | bench-grade
# Everything runs with the project venv's bin/ first on PATH: nbgrader shells out to `alembic`.

VENV ?= .venv
INSTRUCTOR_PY := $(abspath $(VENV))/bin/python
INSTRUCTOR := PATH="$(abspath $(VENV))/bin:$$PATH" COURSE_REPLAY_TIME_SCALE=0 $(INSTRUCTOR_PY) -m course.instructor
SUBMISSIONS ?=
JOBS ?=
N ?= 8

.PHONY: generate check-sync release collect autograde feedback export bench-grade

generate: install            ## notebooks/ and solutions/ from the masters in autograder/source/
	$(INSTRUCTOR) generate

check-sync: install          ## fail naming any generated notebook that differs from its master
	$(INSTRUCTOR) check-sync

release: install             ## nbgrader generate_assignment for every lesson -> autograder/release/, gradebook
	$(INSTRUCTOR) release

collect: install             ## SUBMISSIONS=<dir of <student>/ folders and/or <student>.zip> -> autograder/submitted/
	@test -n "$(SUBMISSIONS)" || { echo "usage: make collect SUBMISSIONS=path/to/handins"; exit 2; }
	$(INSTRUCTOR) collect "$(SUBMISSIONS)"

autograde: install           ## grade every submission, in parallel, into autograder/gradebook.db
	$(INSTRUCTOR) autograde $(if $(JOBS),--jobs $(JOBS))

feedback: install            ## autograder/feedback/<student>/<lesson>/<lesson>.html, hidden tests hidden
	$(INSTRUCTOR) feedback

export: install              ## autograder/grades.csv
	$(INSTRUCTOR) export

bench-grade: install         ## cost per submission vs nbgrader's own floor (N copies each)
	$(INSTRUCTOR) bench-grade --n $(N) $(if $(JOBS),--jobs $(JOBS))
