"""Code the grader runs *inside* the grading kernel (sent as text, silently, never shown).

``INSTALL`` runs before the first cell: it puts an import hook first on ``sys.meta_path`` that
snapshots every ``course`` / ``course.*`` module right after it is executed, before learner code can
touch it (module globals, the attributes of the classes it defines, the code of its functions).

``RESTORE`` is evaluated before every test cell: it puts back whatever learner code rebound
(``course.replay.ReplaySession.handle = ...``, ``course.tools.get_weather = lambda ...``, a function's
``__code__``), and answers ``"ok"`` or names the course modules it could not vouch for.

``pin(names)`` is called after each read-only or demo cell: every notebook global among ``names`` (the
names the test cells read) that is bound to a genuine course module or object is remembered, and put back
by ``RESTORE``, so ``check = SimpleNamespace(check_extract=lambda *a: None)`` in an answer cell does not
pass the tests that call ``check.check_extract``.

This raises the bar against casual monkeypatching; learner code that targets this guard itself runs in
the same process and can defeat it (see the README's limits).
"""

from __future__ import annotations

INSTALL = r'''
def __course_guard_install():
    import sys, types
    if "_course_guard" in sys.modules:
        return
    _missing = object()
    LIMIT = 1_000_000
    snaps = {}

    def snap(mod):
        s = {"globals": dict(vars(mod)), "classes": {}, "funcs": []}
        for key, val in list(vars(mod).items()):
            if isinstance(val, type) and getattr(val, "__module__", None) == mod.__name__:
                s["classes"][key] = (val, dict(vars(val)))
                for attr in vars(val).values():
                    if isinstance(attr, (staticmethod, classmethod)):
                        attr = attr.__func__
                    if isinstance(attr, types.FunctionType):
                        s["funcs"].append((attr, attr.__code__, attr.__defaults__, attr.__kwdefaults__))
            elif isinstance(val, types.FunctionType) and getattr(val, "__module__", None) == mod.__name__:
                s["funcs"].append((val, val.__code__, val.__defaults__, val.__kwdefaults__))
        snaps[mod.__name__] = s

    class _Loader:
        def __init__(self, inner):
            self._inner = inner
        def __getattr__(self, name):
            return getattr(self._inner, name)
        def create_module(self, spec):
            create = getattr(self._inner, "create_module", None)
            return create(spec) if create else None
        def exec_module(self, module):
            self._inner.exec_module(module)
            snap(module)

    class _Finder:
        def find_spec(self, name, path=None, target=None):
            if name != "course" and not name.startswith("course."):
                return None
            for finder in sys.meta_path:
                if finder is self or not hasattr(finder, "find_spec"):
                    continue
                spec = finder.find_spec(name, path, target)
                if spec is not None:
                    break
            else:
                return None
            if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                spec.loader = _Loader(spec.loader)
            return spec

    finder = _Finder()
    pinned = {}

    def genuine(value):
        if isinstance(value, types.ModuleType):
            return value.__name__ in snaps and sys.modules.get(value.__name__) is value
        owner = snaps.get(getattr(value, "__module__", None) or "")
        return owner is not None and any(v is value for v in owner["globals"].values())

    def pin(names):
        ns = get_ipython().user_ns
        for name in names:
            if name not in pinned and name in ns and genuine(ns[name]):
                pinned[name] = ns[name]
        return "ok"

    def restore():
        problems = []
        try:
            get_ipython().user_ns.update(pinned)
        except Exception:
            problems.append("the notebook namespace")
        for name, mod in list(sys.modules.items()):
            if mod is None or (name != "course" and not name.startswith("course.")):
                continue
            s = snaps.get(name)
            if s is None:
                if getattr(mod, "__file__", None) is not None:
                    problems.append(name)
                continue
            g = vars(mod)
            for key, val in s["globals"].items():
                if g.get(key, _missing) is not val:
                    g[key] = val
            for cls, saved in s["classes"].values():
                current = dict(vars(cls))
                for attr, val in saved.items():
                    if current.get(attr, _missing) is not val:
                        try:
                            setattr(cls, attr, val)
                        except (AttributeError, TypeError):
                            pass
                for attr in current.keys() - saved.keys():
                    try:
                        delattr(cls, attr)
                    except (AttributeError, TypeError):
                        pass
            for fn, code, defaults, kwdefaults in s["funcs"]:
                if fn.__code__ is not code:
                    fn.__code__ = code
                if fn.__defaults__ is not defaults:
                    fn.__defaults__ = defaults
                if fn.__kwdefaults__ is not kwdefaults:
                    fn.__kwdefaults__ = kwdefaults
        if finder in sys.meta_path:
            sys.meta_path.remove(finder)
        sys.meta_path.insert(0, finder)
        return "ok" if not problems else "course modules loaded behind the grader's back: " + ", ".join(problems)

    class _Capped:
        """sys.stdout/stderr that drop a cell's text beyond LIMIT characters (a flood stops at the source)."""
        def __init__(self, inner):
            self._inner = inner
            self._count = 0
        def __getattr__(self, name):
            return getattr(self._inner, name)
        def reset(self, *args):
            self._count = 0
        def write(self, text):
            before = self._count
            self._count += len(text)
            if self._count <= LIMIT:
                return self._inner.write(text)
            if before <= LIMIT:
                self._inner.write("\n[output stopped by the grader: over %d characters in one cell]\n" % LIMIT)
            return len(text)

    try:
        shell = get_ipython()
        for name in ("stdout", "stderr"):
            capped = _Capped(getattr(sys, name))
            setattr(sys, name, capped)
            shell.events.register("pre_run_cell", capped.reset)
    except Exception:
        pass

    guard = types.ModuleType("_course_guard")
    guard.restore = restore
    guard.pin = pin
    sys.modules["_course_guard"] = guard
    sys.meta_path.insert(0, finder)

__course_guard_install()
del __course_guard_install
'''

RESTORE_EXPR = "__import__('sys').modules['_course_guard'].restore()"


def pin_expr(names: list[str]) -> str:
    """The expression that pins ``names`` (see the module docstring)."""
    return f"__import__('sys').modules['_course_guard'].pin({sorted(set(names))!r})"
