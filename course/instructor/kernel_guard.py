"""Code the grader runs *inside* the grading kernel (sent as text, silently, never shown).

``INSTALL`` runs before the first cell: it puts an import hook first on ``sys.meta_path`` that
snapshots every ``course`` / ``course.*`` module right after it is executed, before learner code can
touch it (module globals, the attributes of the classes it defines, the code of its functions).

``RESTORE`` (the guard's ``restore()``) is evaluated before every test cell, together with the witness
(:func:`before_test_expr`; as a user expression of the previous code cell's own request when that cell
succeeded, else in a request of its own): it puts back whatever learner code rebound
(``course.replay.ReplaySession.handle = ...``, ``course.tools.get_weather = lambda ...``, a function's
``__code__``), and answers ``"ok"`` or names the course modules it could not vouch for.

``pin(names)`` is called after read-only or demo cells (a user expression of that cell's own request, or of
:func:`before_test_expr`; if the cell failed, in a request of its own before the next cell that may hold
learner code): every notebook global among ``names`` (the names the test cells read) that is bound to a
genuine course module or object is remembered, and put back by ``RESTORE``, so
``check = SimpleNamespace(check_extract=lambda *a: None)`` in an answer cell does not pass the tests that call
``check.check_extract``.

``witness(after)`` (the *witness*) is evaluated before and after every test cell, through
:func:`witness_expr` (before: inside :func:`before_test_expr`; after: as a user expression of the test cell's
own request when the cell passed, in a request of its own when it failed), which also returns the identities
of the guard module and its functions (compared by the grader with :data:`IDENTITY_EXPR`'s answer at install,
so a replaced guard is noticed even if it answers "ok").  It compares with baselines taken at install,
before any learner code, and answers a list of short reasons (``[]`` when clean):

- IPython input transformers (cleanup, line, token, post), AST transformers, the shell's cell-running
  methods and compiler, and event callbacks (``pre_run_cell`` ...) registered by anything but the kernel's
  own libraries (``EVENT_LIBRARIES``);
- ``sys.gettrace``/``getprofile`` and threading's hooks, plus an audit hook of its own that records later
  ``sys.settrace`` / ``sys.setprofile`` / ``sys.addaudithook`` calls (its code is checked too);
- the stdlib the checks use (``STDLIB_ALL``: every name of ``json*``; ``STDLIB_PUBLIC``: public callables;
  ``builtins``), and ``sys.modules`` entries for them;
- foreign evidence: replay-log entries and clock events not issued by the course (:mod:`course.evidence`);
- with ``after=True`` only: course functions, classes' methods or ``__code__`` changed while the test ran
  (a background thread re-patching after ``RESTORE``), and learner classes (``__module__ == "__main__"``)
  that subclass a builtin value type and override comparison or hash, or have a hand-written ``__eq__``
  (dataclass-generated methods are fine).

This raises the bar against casual monkeypatching and makes the known tampering classes visible; learner
code that targets this guard itself runs in the same process and can defeat it (see the README's limits).
"""

from __future__ import annotations

INSTALL = r'''
def __course_guard_install():
    import sys, types
    if "_course_guard" in sys.modules:
        return
    _missing = object()
    LIMIT = 1_000_000
    STDLIB_ALL = ("json", "json.decoder", "json.encoder", "json.scanner")
    STDLIB_PUBLIC = ("asyncio", "inspect", "copy", "re", "math", "functools", "time", "threading", "contextvars",
                     "statistics", "difflib", "dataclasses", "operator", "itertools", "collections", "types", "gc",
                     "weakref", "warnings", "contextlib", "io", "traceback")
    PUBLIC_SKIP = {"excepthook", "showwarning", "formatwarning"}
    BUILTINS_SKIP = {"input", "help", "exit", "quit", "copyright", "credits", "license", "display", "get_ipython",
                     "breakpoint"}
    SHELL_METHODS = ("run_cell", "run_cell_async", "_run_cell", "transform_cell", "transform_ast", "run_ast_nodes",
                     "run_code", "should_run_async", "user_expressions", "ex", "ev")
    VALUE_TYPES = (int, float, str, bytes, list, tuple, dict, set, frozenset)
    EVENT_LIBRARIES = {"IPython", "ipykernel", "matplotlib_inline", "matplotlib", "ipywidgets", "comm",
                       "ipympl", "traitlets"}
    CMP_NAMES = ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__hash__")
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

    # ---- the witness: baselines taken now, before any learner code ------------------------------
    import builtins, threading
    for name in STDLIB_ALL + STDLIB_PUBLIC:
        __import__(name)
    shell = get_ipython()
    events = []

    def audit(event, args):
        if event in ("sys.settrace", "sys.setprofile", "sys.addaudithook") and len(events) < 100:
            events.append(event)

    def stdlib_view():
        view = {}
        for name in STDLIB_ALL + STDLIB_PUBLIC + ("builtins",):
            mod = sys.modules.get(name)
            view["sys.modules[%r]" % name] = mod
            for key, val in list(vars(mod).items()) if mod is not None else ():
                if name == "builtins":
                    if key in BUILTINS_SKIP or (key.startswith("_") and key not in ("__import__", "__build_class__")):
                        continue
                elif name in STDLIB_PUBLIC and (key.startswith("_") or key in PUBLIC_SKIP or not callable(val)
                                                or isinstance(val, types.ModuleType)):
                    continue
                elif key.startswith("__"):
                    continue
                view[name + "." + key] = val
                if name in STDLIB_ALL and isinstance(val, type) and val.__module__ == name:
                    for attr, fn in list(vars(val).items()):
                        if callable(fn):
                            view[name + "." + key + "." + attr] = fn
        for name in ("_default_decoder", "_default_encoder"):
            inst = getattr(sys.modules["json"], name, None)
            for key, val in list(vars(inst).items()) if inst is not None else ():
                if callable(val):
                    view["json." + name + "." + key] = val
        return view

    def transformer_lists():
        itm = getattr(shell, "input_transformer_manager", None)
        return {"input": [getattr(shell, "input_transformers_cleanup", None), getattr(itm, "cleanup_transforms", None),
                          getattr(itm, "line_transforms", None), getattr(itm, "token_transformers", None),
                          getattr(shell, "input_transformers_post", None)],
                "ast": [getattr(shell, "ast_transformers", None)]}

    def shell_view():
        cls = type(shell)
        return {"type": cls, "compile": getattr(shell, "compile", None),
                "itm": getattr(shell, "input_transformer_manager", None),
                **{"method " + m: getattr(cls, m, None) for m in SHELL_METHODS},
                **{"own " + m: vars(shell).get(m) for m in SHELL_METHODS},
                "events": getattr(shell, "events", None),
                "events.trigger": getattr(type(getattr(shell, "events", None)), "trigger", None)}

    def event_callbacks():
        try:
            return {name: list(cbs) for name, cbs in shell.events.callbacks.items()}
        except Exception:
            return {}

    def new_event_callbacks():
        """Event names with a callback registered since install by code outside the kernel's own libraries."""
        out = []
        for name, cbs in event_callbacks().items():
            known = base["events"].get(name, [])
            for cb in cbs:
                if any(cb is k for k in known):
                    continue
                mod = str(getattr(cb, "__module__", None) or "")
                if mod.split(".")[0] not in EVENT_LIBRARIES and name not in out:
                    out.append(name)
        return out

    def hooks_view():
        return {"trace": sys.gettrace(), "profile": sys.getprofile(),
                "threading trace": getattr(threading, "_trace_hook", None),
                "threading profile": getattr(threading, "_profile_hook", None)}

    base = {"stdlib": stdlib_view(), "transformers": {k: [list(x) if x is not None else None for x in v]
                                                       for k, v in transformer_lists().items()},
            "transformer lists": transformer_lists(), "shell": shell_view(), "hooks": hooks_view(),
            "events": event_callbacks()}

    def learner_classes():
        out, seen, stack = [], set(), [object]
        while stack:
            cls = stack.pop()
            if id(cls) in seen:
                continue
            seen.add(id(cls))
            try:
                stack.extend(type.__subclasses__(cls))
            except TypeError:
                pass
            try:
                if cls.__dict__.get("__module__") != "__main__":
                    continue
                own = dict(vars(cls))
                mro = cls.__mro__
            except Exception:
                continue
            value = next((t for t in VALUE_TYPES if t in mro), None)
            generated = "__dataclass_fields__" in own or hasattr(cls, "__dataclass_fields__")
            names = CMP_NAMES if value is not None else ("__eq__",)
            hand = [n for n in names if callable(own.get(n)) and not (
                generated and getattr(getattr(own[n], "__code__", None), "co_filename", "") == "<string>")]
            if hand and value is not None:
                out.append("learner class %s subclasses %s and overrides %s (always-equal values?)"
                           % (cls.__name__, value.__name__, "/".join(hand)))
            elif hand:
                out.append("learner class %s has a hand-written __eq__" % cls.__name__)
        return out

    def course_changed():
        out = []
        for name, s in snaps.items():
            mod = sys.modules.get(name)
            if mod is None:
                continue
            g = vars(mod)
            bad = [k for k, v in s["globals"].items()
                   if (isinstance(v, (type, types.FunctionType, types.ModuleType)) or callable(v))
                   and g.get(k, _missing) is not v]
            for cls, saved in s["classes"].values():
                current = vars(cls)
                bad += [cls.__name__ + "." + a for a, v in saved.items()
                        if isinstance(v, (types.FunctionType, staticmethod, classmethod, property))
                        and current.get(a, _missing) is not v]
            bad += [fn.__qualname__ for fn, code, d, kd in s["funcs"] if fn.__code__ is not code]
            if bad:
                out.append("%s.%s changed while a test ran (background thread?)" % (name, bad[0]))
        return out

    def witness(after=False, classes=False):
        reasons = []
        def note(text):
            if text not in reasons:
                reasons.append(text)
        try:
            if audit.__code__ is not audit_code:
                note("the grader's audit hook was disabled")
            for event in events:
                note({"sys.settrace": "sys.settrace was called (trace hook installed)",
                      "sys.setprofile": "sys.setprofile was called (profile hook installed)",
                      "sys.addaudithook": "an audit hook was installed"}[event])
            hooks = hooks_view()
            for key, val in base["hooks"].items():
                if hooks[key] is not val:
                    note("a %s hook is installed" % key)
            now = transformer_lists()
            for kind, lists in now.items():
                changed = any(cur is not orig for cur, orig in zip(lists, base["transformer lists"][kind])) or any(
                    cur is None or orig is None or len(cur) != len(orig) or any(a is not b for a, b in zip(cur, orig))
                    for cur, orig in zip(lists, base["transformers"][kind]))
                if changed:
                    note("an IPython %s transformer was installed" % ("AST" if kind == "ast" else "input"))
            sv = shell_view()
            for key, val in base["shell"].items():
                if sv[key] is not val:
                    note("the IPython shell was patched (%s)" % key.replace("own ", "").replace("method ", ""))
            for name in new_event_callbacks():
                note("an IPython %s callback was registered" % name)
            view = stdlib_view()
            for key, val in base["stdlib"].items():
                if view.get(key, _missing) is not val:
                    note("%s was replaced" % key)
            ev = sys.modules.get("course.evidence")
            if ev is not None and "course.evidence" in snaps:
                for text in snaps["course.evidence"]["globals"]["foreign"]():
                    note(text)
            if after:
                for text in course_changed():
                    note(text)
            if classes:  # a walk of every class costs ~0.1 s: once, after the last test cell (classes persist)
                for text in learner_classes():
                    note(text)
        except Exception as exc:
            note("the grader's witness failed (%s)" % type(exc).__name__)
        return reasons

    audit_code = audit.__code__
    guard = types.ModuleType("_course_guard")
    guard.restore = restore
    guard.pin = pin
    guard.witness = witness
    keep = (guard, restore, pin, witness, audit, base)
    audit.keep = keep  # audit hooks live as long as the process: what they hold is never freed (ids stay unique)
    sys.addaudithook(audit)
    sys.modules["_course_guard"] = guard
    sys.meta_path.insert(0, finder)

__course_guard_install()
del __course_guard_install
'''


_GUARD = "__import__('sys').modules['_course_guard']"
_IDS = ("id(g), id(g.restore), id(g.restore.__code__), id(g.pin), id(g.pin.__code__), id(g.witness), "
        "id(g.witness.__code__), "
        "*[id(c.cell_contents) for f in (g.restore, g.pin, g.witness) for c in (f.__closure__ or ())]")
IDENTITY_EXPR = f"(lambda g: [{_IDS}])({_GUARD})"
"""Identities of the guard module, its functions, their code and what their closures hold (none is ever
rebound after install): taken at install, compared on every witness."""


def witness_expr(after: bool, classes: bool = False) -> str:
    """``[identities..., [reasons...]]``: the identities as in :data:`IDENTITY_EXPR`, then what is off-baseline.

    ``after=True`` (evaluated right after a test cell) also reports course functions changed while it ran;
    ``classes=True`` (after the last test cell) also walks every class for learner-made imitations of values."""
    return f"(lambda g: [{_IDS}, g.witness({after!r}, {classes!r})])({_GUARD})"


def before_test_expr(pin: list[str] | None) -> str:
    """One round trip before a test cell: ``[pin result or None, restore status, witness_expr(False)'s list]``.

    In that order: the names still to pin (``pin``; None when nothing ran since the last pin) are pinned,
    the course is restored, and the witness judges the restored kernel."""
    pinning = f"g.pin({sorted(set(pin))!r})" if pin else "None"
    return f"(lambda g: [{pinning}, g.restore(), [{_IDS}, g.witness(False, False)]])({_GUARD})"


def pin_expr(names: list[str]) -> str:
    """The expression that pins ``names`` (see the module docstring)."""
    return f"__import__('sys').modules['_course_guard'].pin({sorted(set(names))!r})"
