"""The import direction of ARCHITECTURE.md, checked on every module of the project.

    ground ← accounts ← notifications ← inventory ← matching ← evaluation ← reporting ← patentnavi (and demo)

and inside inventory, between its areas:

    patents ← search ← library ← classification ← records ← upload ← conversions ← milestones
            ← api (the shared viewsets) ← workbench

with the app's shared vocabulary (choices, models, data) below every area and its roof (urls,
tasks, navigation, home, admin, api routes, management commands) above them all.

A module imports only from its own layer or the layers to its left; no module-level import cycle
exists anywhere; and no import hides inside a function to dodge one. The checks read the source
(ast), so they hold for code paths no test runs.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["ground", "accounts", "notifications", "inventory", "matching", "evaluation", "reporting", "patentnavi"]
# The demo world is built on top of every app, like the project's wiring.
RANK = {name: index for index, name in enumerate(LAYERS)} | {"demo": len(LAYERS)}
PROJECT = set(RANK)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> dict[str, tuple[Path, ast.Module]]:
    found = {}
    for package in PROJECT:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            found[_module_name(path)] = (path, ast.parse(path.read_text(encoding="utf-8"), str(path)))
    return found


SOURCES = _sources()


def _imported(node: ast.AST, importer: str) -> list[str]:
    """The project modules an import statement names (a `from x import y` names x.y when y is a module)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            base = importer.split(".")
            if not (ROOT / Path(*base)).is_dir():
                base = base[:-1]
            base = base[: len(base) - node.level + 1]
            module = ".".join([*base, node.module] if node.module else base)
        else:
            module = node.module or ""
        names = [f"{module}.{alias.name}" if f"{module}.{alias.name}" in SOURCES else module for alias in node.names]
    else:
        return []
    return [name for name in names if name.split(".")[0] in PROJECT]


def _imports(tree: ast.Module, importer: str, *, top_level_only: bool) -> list[tuple[int, str]]:
    nodes = tree.body if top_level_only else ast.walk(tree)
    found = []
    for node in nodes:
        # `if TYPE_CHECKING:` blocks are annotations only, never run.
        if top_level_only and isinstance(node, ast.If | ast.Try):
            for child in ast.walk(node):
                found += [(child.lineno, name) for name in _imported(child, importer)]
            continue
        found += [(node.lineno, name) for name in _imported(node, importer)]
    return found


def test_every_import_points_left():
    wrong = []
    for importer, (path, tree) in SOURCES.items():
        rank = RANK[importer.split(".")[0]]
        for line, imported in _imports(tree, importer, top_level_only=False):
            if RANK[imported.split(".")[0]] > rank:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    assert not wrong, "imports that point up the layers:\n" + "\n".join(wrong)


INVENTORY_AREAS = ["patents", "search", "library", "classification", "records", "upload", "conversions",
                   "milestones", "api", "workbench"]
INVENTORY_SHARED = {"inventory", "inventory.choices", "inventory.models", "inventory.data"}
INVENTORY_ROOF = {"inventory.urls", "inventory.tasks", "inventory.navigation", "inventory.home", "inventory.admin",
                  "inventory.apps", "inventory.api.routes", "inventory.audit_objects"}


def _inventory_rank(module: str) -> int | None:
    """The area's place in the order; None for the shared vocabulary (below all) and the roof (above all)."""
    if module in INVENTORY_SHARED or module in INVENTORY_ROOF or module.startswith("inventory.management"):
        return None
    area = module.split(".")[1]
    return INVENTORY_AREAS.index(area) if area in INVENTORY_AREAS else None


def test_inventory_areas_import_only_areas_below_them():
    wrong = []
    for importer, (path, tree) in SOURCES.items():
        # The roof sits above every area; inventory.models collects every area's models for Django.
        if not importer.startswith("inventory.") or importer in INVENTORY_ROOF or importer == "inventory.models":
            continue
        if importer.startswith("inventory.management"):
            continue
        rank = _inventory_rank(importer)
        for line, imported in _imports(tree, importer, top_level_only=False):
            if not imported.startswith("inventory.") or imported.split(".")[1] == importer.split(".")[1]:
                continue
            if imported in INVENTORY_ROOF or imported.startswith("inventory.management"):
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports the app's roof {imported}")
                continue
            target = _inventory_rank(imported)
            if target is not None and (rank is None or target > rank):
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {imported}, an area above it")
    assert not wrong, "imports against the order of inventory's areas:\n" + "\n".join(wrong)


# An area's submodules that other areas and the roof may import directly: the wiring.
AREA_WIRING = {"models", "urls", "api", "tasks", "routes"}


def test_areas_are_used_through_their_public_names():
    """Outside an area, code imports the area's package (its public `__init__`: the names in its
    __all__) or its wiring modules, never its other modules; tests may reach inside."""
    from importlib import import_module

    public = {area: set(getattr(import_module(f"inventory.{area}"), "__all__", ())) for area in INVENTORY_AREAS}
    wrong = []
    for importer, (path, tree) in SOURCES.items():
        own = importer.split(".")[1] if importer.startswith("inventory.") and importer.count(".") >= 2 else None
        for node in ast.walk(tree):
            if not (isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("inventory.")):
                continue
            parts = node.module.split(".")
            area = parts[1]
            if area not in public or area == own:
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            if len(parts) > 2 and parts[2] not in AREA_WIRING:
                wrong.append(f"{where} imports {node.module}, inside the {area} area")
            elif len(parts) == 2:
                wrong += [f"{where} imports {alias.name} from inventory.{area}, which does not export it"
                          for alias in node.names if alias.name not in public[area] | AREA_WIRING]
    assert not wrong, "\n".join(wrong)


def test_every_public_name_of_an_area_exists():
    from importlib import import_module

    for area in INVENTORY_AREAS:
        package = import_module(f"inventory.{area}")
        for name in getattr(package, "__all__", ()):
            assert getattr(package, name) is not None, f"inventory.{area}.{name}"


def test_every_inventory_package_has_a_place_in_the_order():
    packages = {path.parent.name for path in (ROOT / "inventory").glob("*/__init__.py")}
    assert packages - {"migrations", "management", "data"} == set(INVENTORY_AREAS)


def _function_level_imports(tree: ast.Module, importer: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for child in ast.walk(node):
                found += [(child.lineno, name) for name in _imported(child, importer)]
    return found


def test_no_project_import_hides_in_a_function():
    """A function-level import of a project module is how a cycle gets dodged; the one allowed
    place is an AppConfig.ready(), which Django documents for connecting signal receivers."""
    hidden = []
    for importer, (path, tree) in SOURCES.items():
        if path.name == "apps.py":
            continue
        hidden += [f"{path.relative_to(ROOT)}:{line} imports {name}"
                   for line, name in _function_level_imports(tree, importer)]
    assert not hidden, "imports inside functions:\n" + "\n".join(sorted(set(hidden)))


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in SOURCES}
    for importer, (_path, tree) in SOURCES.items():
        for _line, imported in _imports(tree, importer, top_level_only=True):
            # `import a.b.c` runs a/__init__ and a/b/__init__ too.
            parts = imported.split(".")
            for depth in range(1, len(parts) + 1):
                target = ".".join(parts[:depth])
                if target in SOURCES and target != importer:
                    graph[importer].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def test_no_import_cycles():
    # A package's __init__ that re-exports its own submodules is not a cycle of concern: drop the
    # edges from a submodule up to its own package (Python runs the package first anyway).
    graph = {
        importer: {target for target in targets if not importer.startswith(target + ".")}
        for importer, targets in _graph().items()
    }
    cycles = _cycles(graph)
    assert not cycles, "module-level import cycles:\n" + "\n".join(" ↔ ".join(cycle) for cycle in cycles)


def test_ground_holds_no_models():
    defined = [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"
        for name, (path, tree) in SOURCES.items() if name.split(".")[0] == "ground"
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
        and any(ast.unparse(base) in {"models.Model", "Model"} for base in node.bases)
    ]
    assert not defined


def test_the_project_package_is_only_wiring():
    modules = {name for name in SOURCES if name.split(".")[0] == "patentnavi"}
    assert modules <= {"patentnavi", "patentnavi.settings", "patentnavi.urls", "patentnavi.api_urls",
                       "patentnavi.celery", "patentnavi.wsgi"}, modules


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from inventory.models import Patent\n", ["inventory.models"]),
        ("from inventory import models\n", ["inventory.models"]),
        ("import matching.services\n", ["matching.services"]),
    ],
)
def test_the_reader_sees_imports(source, expected):
    """The checks above are only as good as the reader: it must see every form of import."""
    tree = ast.parse(source)
    found = [name for node in tree.body for name in _imported(node, "accounts.views")]
    assert [name for name in found if name in SOURCES or name.split(".")[0] == "matching"] == expected


def test_an_upward_import_is_caught():
    tree = ast.parse("from inventory.models import Patent\n")
    imported = _imports(tree, "accounts.views", top_level_only=False)
    assert [RANK[name.split(".")[0]] > RANK["accounts"] for _line, name in imported] == [True]


def test_a_cycle_is_caught():
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": set()}) == [["a", "b"]]
