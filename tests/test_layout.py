"""The code's layout holds, read from the source of liveline/ and workers/:

(a) no import cycle among their modules;
(b) no module imports another module's private name (``from liveline.a import _x``, or ``a._x`` on an
    imported liveline module);
(c) no shim is left at an old flat path: the modules that moved into rooms are gone from liveline/.

(a) and (b) parse the files with ``ast`` and import nothing. Every ``import`` and ``from … import`` counts,
at module level and inside functions; ``from liveline.x import y`` is an edge to the module ``liveline.x.y``
when that is a module, else to ``liveline.x``. Imports under ``if TYPE_CHECKING:`` never run and make no
edge.
"""

from __future__ import annotations

import ast
import importlib
from collections import deque
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("liveline", "workers")

# The flat modules of liveline/ before the rooms (store/ ingest/ board/ live/ followup/, workers/roles.py),
# and the package liveline/sources/ (now liveline/ingest/ and liveline/ingest/vk/).
OLD_MODULES = (
    "keys", "codec", "txn", "events", "state", "heartbeat", "redisproc", "inbox", "broadcasts", "questions",
    "clusters", "merges", "undo", "authors", "presence", "catalog", "purge", "exports", "live", "screens",
    "briefing", "appeals", "replies", "report", "charts", "workcalendar", "cellsafe", "routing",
    "appeal_exports", "processes",
)
OLD_PACKAGES = ("sources",)
# liveline/live.py became the package liveline/live/ (channel, screens, briefing): the name lives on, so it
# must be that package and re-export nothing.
REUSED = {"live"}


# -- reading the imports -------------------------------------------------------------------------------
def find_modules() -> dict[str, Path]:
    """Every module of liveline/ and workers/ by dotted name; a package by its __init__.py."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


MODULES = find_modules()


@dataclass(frozen=True)
class Import:
    importer: str
    module: str              # what is imported, resolved as the module docstring says
    names: tuple[str, ...]   # ``from module import a, b``: the names that are not modules themselves
    line: int
    in_function: bool
    type_only: bool          # under ``if TYPE_CHECKING:``


def _is_ours(dotted: str) -> bool:
    return dotted.split(".")[0] in PACKAGES


def _longest_module(dotted: str) -> str | None:
    while dotted and dotted not in MODULES:
        dotted = dotted.rpartition(".")[0]
    return dotted or None


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


class _Imports(ast.NodeVisitor):
    """The imports of one module, and the names its imports bind to our modules (file-wide, whatever the
    scope: enough to spot ``module._name``)."""

    def __init__(self, module: str, is_package: bool) -> None:
        self.module, self.is_package = module, is_package
        self.functions = 0
        self.type_only = 0
        self.found: list[Import] = []
        self.bound: dict[str, str] = {}   # local name -> the liveline/workers module it is bound to

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.functions += 1
        self.generic_visit(node)
        self.functions -= 1

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_If(self, node: ast.If) -> None:
        if not _is_type_checking(node.test):
            self.generic_visit(node)
            return
        self.type_only += 1
        for child in node.body:
            self.visit(child)
        self.type_only -= 1
        for child in node.orelse:
            self.visit(child)

    def _add(self, module: str, names: tuple[str, ...], line: int) -> None:
        if module != self.module:
            self.found.append(Import(self.module, module, names, line, self.functions > 0, self.type_only > 0))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            target = _longest_module(alias.name) if _is_ours(alias.name) else None
            if target is None:
                continue
            self._add(target, (), node.lineno)
            if alias.asname:
                self.bound[alias.asname] = target
            else:
                self.bound[alias.name.split(".")[0]] = alias.name.split(".")[0]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            package = self.module.split(".") if self.is_package else self.module.split(".")[:-1]
            package = package[:len(package) - (node.level - 1)]
            base = ".".join(package + ([node.module] if node.module else []))
        if not _is_ours(base) or base not in MODULES:
            return
        plain = []
        for alias in node.names:
            submodule = f"{base}.{alias.name}"
            if submodule in MODULES:
                self._add(submodule, (), node.lineno)
                self.bound[alias.asname or alias.name] = submodule
            else:
                plain.append(alias.name)
        if plain:
            self._add(base, tuple(plain), node.lineno)


def read_imports() -> tuple[list[Import], list[tuple[str, str, str, int]]]:
    """Every import of liveline/ and workers/, and every ``module._name`` read on an imported module
    (importer, module, name, line)."""
    imports: list[Import] = []
    attributes: list[tuple[str, str, str, int]] = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        visitor = _Imports(module, path.name == "__init__.py")
        visitor.visit(tree)
        imports += visitor.found
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Attribute) and is_private(node.attr)):
                continue
            chain: list[str] = []
            value = node.value
            while isinstance(value, ast.Attribute):
                chain.insert(0, value.attr)
                value = value.value
            if isinstance(value, ast.Name) and value.id in visitor.bound:
                target = ".".join([visitor.bound[value.id], *chain])
                if target in MODULES and target != module:
                    attributes.append((module, target, node.attr, node.lineno))
    return imports, attributes


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


IMPORTS, ATTRIBUTES = read_imports()


# -- (a) import cycles ----------------------------------------------------------------------------------
def graph(imports: list[Import]) -> dict[str, dict[str, Import]]:
    """importer -> imported module -> the first import that makes that edge."""
    edges: dict[str, dict[str, Import]] = {m: {} for m in MODULES}
    for imp in sorted(imports, key=lambda i: (i.importer, i.line)):
        edges[imp.importer].setdefault(imp.module, imp)
    return edges


def _reachable(edges: dict[str, dict[str, Import]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(edges[start])
    while todo:
        m = todo.pop()
        if m not in seen:
            seen.add(m)
            todo += edges[m]
    return seen


def cycles(edges: dict[str, dict[str, Import]]) -> list[str]:
    """One shortest cycle through each group of modules that import each other, spelled out with lines."""
    reach = {m: _reachable(edges, m) for m in edges}
    done: set[str] = set()
    found = []
    for start in sorted(edges):
        if start in done or start not in reach[start]:
            continue
        group = {m for m in reach[start] if start in reach[m]}
        done |= group
        back: dict[str, str] = {}
        queue = deque([start])
        while start not in back:                      # breadth first, inside the group, back to start
            m = queue.popleft()
            for n in sorted(edges[m]):
                if n in group and n not in back:
                    back[n] = m
                    queue.append(n)
        path = [start]
        while len(path) == 1 or path[-1] != start:
            path.append(back[path[-1]])
        path.reverse()
        steps = [f"{a}:{edges[a][b].line}{' (in a function)' if edges[a][b].in_function else ''}"
                 for a, b in pairwise(path)]
        found.append(" -> ".join([*steps, start]))
    return found


def test_no_import_cycle_among_module_level_imports() -> None:
    found = cycles(graph([i for i in IMPORTS if not i.in_function and not i.type_only]))
    assert not found, "import cycles (module:line of each import):\n" + "\n".join(found)


def test_no_import_cycle_even_through_function_level_imports() -> None:
    found = cycles(graph([i for i in IMPORTS if not i.type_only]))
    assert not found, "import cycles (module:line of each import):\n" + "\n".join(found)


# -- (b) private names of other modules ---------------------------------------------------------------
def private_imports() -> dict[tuple[str, str, str], int]:
    """(importer, module, name) -> line, for every private name taken from another module."""
    found = {}
    for imp in IMPORTS:
        for name in imp.names:
            if is_private(name):
                found.setdefault((imp.importer, imp.module, name), imp.line)
    for importer, module, name, line in ATTRIBUTES:
        found.setdefault((importer, module, name), line)
    return found


def path_of(module: str) -> str:
    return str(MODULES[module].relative_to(ROOT))


def test_no_module_imports_a_private_name_of_another() -> None:
    found = sorted(f"{path_of(importer)}:{line}: {name} of {module}"
                   for (importer, module, name), line in private_imports().items())
    assert not found, ("private names taken from another module; give each a public name in its module, or keep "
                       "its use inside that module:\n" + "\n".join(found))


# -- (c) no shim at an old path -------------------------------------------------------------------------
def test_no_old_flat_module_or_package_is_left_in_liveline() -> None:
    left = [f"liveline/{name}.py" for name in OLD_MODULES if (ROOT / "liveline" / f"{name}.py").exists()]
    left += [f"liveline/{name}/" for name in OLD_PACKAGES if (ROOT / "liveline" / name).exists()]
    assert not left, ("old paths still there (a shim, or a leftover folder with only __pycache__ in it):\n"
                      + "\n".join(left))


def test_no_old_dotted_name_imports() -> None:
    import liveline

    importable = []
    for name in [n for n in OLD_MODULES if n not in REUSED] + list(OLD_PACKAGES):
        dotted = f"liveline.{name}"
        try:
            importlib.import_module(dotted)
        except ModuleNotFoundError as exc:
            if exc.name != dotted:
                importable.append(f"{dotted}: found, but it imports the missing {exc.name}")
            elif hasattr(liveline, name):
                importable.append(f"{dotted}: no module, but a name in liveline/__init__.py")
        else:
            importable.append(dotted)
    assert not importable, "old dotted names that still import:\n" + "\n".join(importable)


def test_liveline_live_is_the_new_package_and_re_exports_nothing() -> None:
    init = ROOT / "liveline" / "live" / "__init__.py"
    assert init.is_file() and init.read_text(encoding="utf-8").strip() == ""
    live = importlib.import_module("liveline.live")
    assert Path(live.__file__).resolve() == init.resolve()  # type: ignore[arg-type]
    assert {"channel", "screens", "briefing"} <= {p.stem for p in init.parent.glob("*.py")}
