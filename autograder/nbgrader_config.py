"""nbgrader configuration for the course root ``autograder/`` (read when nbgrader runs from here).

Paths are relative to this file, so a throwaway copy of the course root (see
``course/instructor/grading.py``) grades into its own gradebook.
"""

import os

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)
HERE = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = "parallel-tool-calls"
c.CourseDirectory.root = HERE
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(HERE, "gradebook.db")

# A learner's *new* file is copied next to the notebook and would come first on the kernel's sys.path:
# keep out anything that could shadow the course package, nbgrader, the SDKs or the stdlib bits we use.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback",
    "course", "course.py", "course.*", "nbgrader*", "openai*", "anthropic*", "httpx*", "httpcore*",
    "asyncio", "asyncio.py", "nest_asyncio*", "ipykernel*", "IPython*", "traitlets*", "jupyter*",
    "pydantic*", "anyio*", "sniffio*", "json.py", "inspect.py", "types.py", "typing.py", "unittest*",
    "time.py", "random.py", "functools.py", "copy.py", "sitecustomize*", "usercustomize*", "*.pth",
    "*.so", "*.pyd", "conftest.py",
]

# Per cell: a correct solution runs in well under a second with COURSE_REPLAY_TIME_SCALE=0.
c.Execute.timeout = 20
c.Execute.interrupt_on_timeout = True
c.Execute.startup_timeout = 60

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Grading: nbgrader's own Execute, plus guards (course package restored before every test cell,
# output capped per cell). See course/instructor/preprocessors.py.
c.Autograde.autograde_preprocessors = [
    "course.instructor.preprocessors.GuardedExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# Feedback: hidden-test source removed; failures show the teaching message only.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "course.instructor.preprocessors.HideHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# Sandboxed grading (course/instructor/sandbox.py): the kernel has no network, so nbgrader reaches it over
# ipc sockets in the job's own folder (set by the grader; unused when grading without the sandbox).
if os.environ.get("COURSE_SANDBOX") and os.environ.get("JUPYTER_RUNTIME_DIR"):
    c.KernelManager.transport = "ipc"
    c.KernelManager.ip = os.path.join(os.environ["JUPYTER_RUNTIME_DIR"], "k")
