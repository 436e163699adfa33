# Instructor targets (issue 7). Included from the top-level Makefile; run from the repository root.
#   make generate | check-sync | release | collect SUBMISSIONS=dir-or-zips | autograde | feedback | export | report | bench-grade
#   make gradescope [LESSON=NN-name]   -> dist/gradescope/<lesson>.zip (every lesson without LESSON)
#   make classroom [NOTEBOOKS="notebooks/01-recognising.ipynb ..."]   the visible checks, as GitHub Classroom runs them
#   autograde: SANDBOX=on|off, JOBS=N, CELL_TIMEOUT=s, LIMIT=s per submission,
#              SANDBOX_LIMITS="memory=2147483648,cpu_seconds=600" (see course/instructor/sandbox.py Limits)
#   COURSE_ROOT=dir grades another nbgrader course root (the tests use temporary ones)
# Everything runs with the project venv's bin/ first on PATH: nbgrader shells out to `alembic`.

VENV ?= .venv
INSTRUCTOR_PY := $(abspath $(VENV))/bin/python
COURSE_ROOT ?=
INSTRUCTOR := PATH="$(abspath $(VENV))/bin:$$PATH" COURSE_REPLAY_TIME_SCALE=0 $(INSTRUCTOR_PY) -m course.instructor$(if $(COURSE_ROOT), --root $(COURSE_ROOT))
SUBMISSIONS ?=
JOBS ?=
N ?= 8
SANDBOX ?= on
CELL_TIMEOUT ?=
LIMIT ?=
LESSON ?=
SANDBOX_LIMITS ?=
NOTEBOOKS ?=

.PHONY: generate check-sync release collect autograde feedback export report bench-grade gradescope classroom

generate: install            ## notebooks/ and solutions/ from the masters in autograder/source/
	$(INSTRUCTOR) generate

check-sync: install          ## fail naming any generated notebook that differs from its master
	$(INSTRUCTOR) check-sync

release: install             ## nbgrader generate_assignment for every lesson -> autograder/release/, gradebook
	$(INSTRUCTOR) release

collect: install             ## SUBMISSIONS=<dir of <student>/ folders and/or <student>.zip> -> autograder/submitted/
	@test -n "$(SUBMISSIONS)" || { echo "usage: make collect SUBMISSIONS=path/to/handins"; exit 2; }
	$(INSTRUCTOR) collect "$(SUBMISSIONS)"

autograde: install           ## grade every submission, each kernel sandboxed (SANDBOX=off: no isolation)
	SANDBOX_LIMITS="$(SANDBOX_LIMITS)" $(INSTRUCTOR) autograde --sandbox $(SANDBOX) $(if $(JOBS),--jobs $(JOBS)) \
	  $(if $(CELL_TIMEOUT),--cell-timeout $(CELL_TIMEOUT)) $(if $(LIMIT),--limit $(LIMIT))

feedback: install            ## autograder/feedback/<student>/<lesson>/<lesson>.html, hidden tests hidden
	$(INSTRUCTOR) feedback

export: install              ## autograder/grades.csv
	$(INSTRUCTOR) export

report: install              ## autograder/class-report.html: pass rates, common failures, heat map, top three
	$(INSTRUCTOR) report

bench-grade: install         ## grading cost per submission of every lesson vs an empty notebook graded right before it, same sandboxed pipeline (N copies; LESSON=one; ROUNDS=R, median)
	$(INSTRUCTOR) bench-grade --n $(N) $(if $(JOBS),--jobs $(JOBS)) $(if $(LESSON),--lesson $(LESSON)) $(if $(ROUNDS),--rounds $(ROUNDS))

gradescope: install          ## Gradescope autograder zip per lesson -> dist/gradescope/<lesson>.zip (LESSON=NN-name for one)
	$(INSTRUCTOR) gradescope $(LESSON)

classroom: install           ## the visible checks of learner notebooks, as the GitHub Classroom workflow runs them
	$(INSTRUCTOR) classroom $(NOTEBOOKS)
