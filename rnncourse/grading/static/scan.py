"""Static scan of submitted cells for what the grader does not allow.

In the isolated mode (the default) the sandbox itself keeps forbidden modules out, so the scan
looks only for what isolation cannot remove: names an exercise forbids inside a module it allows
(``torch.nn.LSTM`` in the torch exercise) and verbatim or renamed copies of the package's own
implementation of a graded function (:mod:`.copies`). With ``--sandbox none`` it also
complements the in-process guard: forbidden imports, assignments that monkeypatch numpy / torch /
rnncourse, redefining ``check``, and tools for escaping the process (frames, ``sys.modules``,
``ctypes``, signals, subprocesses).
"""

from __future__ import annotations

import ast
import fnmatch

from rnncourse.grading.core import Exercise
from rnncourse.grading.policy import forbidden_match, forbidden_module
from rnncourse.grading.static.copies import copied_parts

PROTECTED = ("numpy", "torch", "rnncourse", "math", "builtins", "scipy")
ESCAPE_MODULES = (
    "ctypes",
    "gc",
    "inspect",
    "importlib",
    "subprocess",
    "signal",
    "resource",
    "multiprocessing",
    "threading",
    "_thread",
    "pickle",
    "marshal",
)
ESCAPE_NAMES = (
    "sys.modules",
    "sys._getframe",
    "sys.settrace",
    "sys.setprofile",
    "sys.exit",
    "os.fork",
    "os.kill",
    "os.killpg",
    "os.write",
    "os.dup2",
    "os.fdopen",
    "os._exit",
    "os.system",
    "os.exec*",
    "os.spawn*",
    "os.setsid",
    "os.popen",
)
ESCAPE_BUILTINS = (
    "__import__",
    "__builtins__",
    "setattr",
    "delattr",
    "exit",
    "quit",
    "exec",
    "eval",
    "compile",
    "breakpoint",
)
#: Attributes that reach into other code's internals (frames, globals, class graphs).
INTROSPECTION = (
    "__globals__",
    "__subclasses__",
    "__code__",
    "__closure__",
    "__dict__",
    "__builtins__",
    "__bases__",
    "__mro__",
    "__loader__",
    "__spec__",
    "f_globals",
    "f_locals",
    "f_back",
    "gi_frame",
    "tb_frame",
    "cr_frame",
)


def _strip_magics(source: str) -> str:
    out = []
    for line in source.splitlines():
        s = line.lstrip()
        out.append(line[: len(line) - len(s)] + "pass" if s[:1] in "%!" and s else line)
    return "\n".join(out)


def _dotted(node: ast.AST, aliases: dict[str, str]) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(aliases.get(node.id, node.id))
    return ".".join(reversed(parts))


def _under(name: str, prefixes: tuple[str, ...]) -> str | None:
    for p in prefixes:
        if name == p or name.startswith(p + "."):
            return p
    return None


def scan_cells(
    cells: list[tuple[int, str]], ex: Exercise, isolated: bool = False
) -> dict[int, list[str]]:
    """Problems found per cell number (cells without problems are absent)."""
    aliases: dict[str, str] = {}
    found: dict[int, list[str]] = {}
    for idx, source in cells:
        msgs = _scan(source, ex, aliases, isolated)
        msgs += copied_parts(_strip_magics(source), [p.name for p in ex.parts])
        if msgs:
            found[idx] = list(dict.fromkeys(msgs))
    return found


def _scan(source: str, ex: Exercise, aliases: dict[str, str], isolated: bool) -> list[str]:
    try:
        tree = ast.parse(_strip_magics(source))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []  # reported when the cell runs
    try:
        msgs = _walk(tree, ex, aliases)
    except RecursionError:
        return ["is nested too deeply to be read"]
    if isolated:  # only what isolation cannot remove: names forbidden inside allowed modules
        msgs = [m for m in msgs if m.endswith("which this exercise forbids")]
    return msgs


def _walk(tree: ast.AST, ex: Exercise, aliases: dict[str, str]) -> list[str]:
    msgs: list[str] = []

    def use(name: str) -> None:
        mod = forbidden_module(name, ex.forbidden_modules)
        if mod:
            what = mod if name == mod else f"{mod} ({name})"
            msgs.append(f"uses {what}, which this exercise does not allow (write it from scratch)")
        if forbidden_match(name, ex.forbidden_calls):
            msgs.append(f"uses {name}, which this exercise forbids")
        if _under(name, ESCAPE_MODULES) or any(fnmatch.fnmatch(name, p) for p in ESCAPE_NAMES):
            msgs.append(f"uses {name}, which is not allowed in graded notebooks")

    def patched(target: ast.AST) -> None:
        if isinstance(target, ast.Attribute):
            name = _dotted(target, aliases)
            if name and _under(name, PROTECTED):
                msgs.append(f"monkeypatches {name}")
        elif isinstance(target, ast.Name) and target.id == "check":
            msgs.append("redefines check() (tampering with the checker)")
        elif isinstance(target, (ast.Tuple, ast.List)):
            for t in target.elts:
                patched(t)
        elif isinstance(target, ast.Subscript):
            name = _dotted(target.value, aliases)
            if name and (_under(name, PROTECTED) or name in ("vars", "globals")):
                msgs.append(f"modifies {name}[...]")

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                aliases[a.asname or a.name.split(".")[0]] = (
                    a.name if a.asname else a.name.split(".")[0]
                )
                use(a.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                msgs.append("uses a relative import")
                continue
            mod = node.module or ""
            use(mod)
            for a in node.names:
                full = f"{mod}.{a.name}"
                aliases[a.asname or a.name] = full
                use(full)
                if (a.asname or a.name) == "check" and full != "rnncourse.grading.check":
                    msgs.append(f"imports {full} as check (tampering with the checker)")
        elif isinstance(node, ast.Attribute):
            if node.attr in INTROSPECTION:
                msgs.append(f"uses .{node.attr}, which is not allowed in graded notebooks")
            name = _dotted(node, aliases) if isinstance(node.ctx, ast.Load) else None
            if name:
                use(name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            if node.id in ESCAPE_BUILTINS:
                msgs.append(f"uses {node.id}, which is not allowed in graded notebooks")
            elif node.id in aliases:
                use(aliases[node.id])
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            for t in targets:
                patched(t)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name == "check":
                msgs.append("redefines check() (tampering with the checker)")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "vars")
            and node.args
        ):
            target = _dotted(node.args[0], aliases)
            if target and (_under(target, ESCAPE_MODULES + ("os", "sys", "builtins"))):
                msgs.append(
                    f"uses {node.func.id}({target}, ...), which is not allowed in graded notebooks"
                )
        elif isinstance(node, (ast.Global, ast.Nonlocal)) and "check" in node.names:
            msgs.append("rebinds check() (tampering with the checker)")
    return msgs
