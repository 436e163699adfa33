"""The learner's JupyterLab (``make lab`` sets ``JUPYTER_CONFIG_DIR`` to this folder).

- opens at the repository root (``notebooks/``, ``solutions/`` and the README are all reachable), on
  ``README.md`` rendered as a Markdown preview: the course map and how self-checks work;
- nbgrader's server extensions are off (Formgrader, Validate, Assignment List, Course List); its lab
  extension and the "Jupyter news" pop-up are off in ``labconfig/page_config.json``;
- lab settings defaults (Markdown opens as a preview, no news, no update checks) are in
  ``lab-settings/overrides.json``; the learner's own settings and workspaces land in ``lab/`` here
  (git-ignored).

``make lab-instructor`` does not use this folder and keeps nbgrader's UI.
Paths are relative to this file, so a copy of the folder (tests/test_browser.py) works the same.
"""

import os

c = get_config()  # noqa: F821  (provided by traitlets when Jupyter loads this file)
HERE = os.path.dirname(os.path.abspath(__file__))

c.ServerApp.root_dir = os.path.dirname(HERE)
c.LabApp.default_url = "/lab/tree/README.md"
# Jupyter's defaults, plus the editable install's metadata folder (nothing a learner opens).
c.ContentsManager.hide_globs = ["__pycache__", "*.pyc", "*.pyo", ".DS_Store", "*~", "*.egg-info"]
c.ServerApp.jpserver_extensions = {
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.validate_assignment": False,
    "nbgrader.server_extensions.assignment_list": False,
    "nbgrader.server_extensions.course_list": False,
}
c.LabApp.app_settings_dir = os.path.join(HERE, "lab-settings")
c.LabApp.news_url = None
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"
