"""The instructor's side of the course, built on stock nbgrader 0.9.6.

Modules:

- :mod:`~course.instructor.paths`: where the course root, masters and generated notebooks live.
- :mod:`~course.instructor.generate`: learner and solution notebooks from the masters (one source of truth).
- :mod:`~course.instructor.nbg`: running nbgrader (CLI or in-process) with the right environment.
- :mod:`~course.instructor.collect`: copy hand-ins (folders or zips) into ``autograder/submitted``.
- :mod:`~course.instructor.grading`: parallel autograde, one throwaway course copy per submission, merged
  into the gradebook by a single writer.
- :mod:`~course.instructor.preprocessors`: nbgrader preprocessors: guarded execution (restores the course
  package before test cells, caps output) and feedback that hides hidden tests.
- :mod:`~course.instructor.report`: the class report (pass rates, failures by protocol rule and by
  check/mistake, heat map, the three mistakes to address next class) as one HTML page.
- :mod:`~course.instructor.bench`: cost per submission against nbgrader's own floor.
- :mod:`~course.instructor.gradescope`: a Gradescope autograder zip per lesson, and the grader inside it.
- :mod:`~course.instructor.classroom`: the visible checks of learner notebooks, for GitHub Classroom.

Command line: ``python -m course.instructor <command>`` (see ``--help``).
"""

from __future__ import annotations

__all__ = ["paths", "generate", "nbg", "collect", "grading", "preprocessors", "report", "bench", "gradescope",
           "classroom"]
