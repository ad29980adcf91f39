"""Pages, API endpoints and exports read scoped models only through `visible_to` / `editable_by`.

The check reads the source of every view, API and export module: each `<Model>.objects…` chain on a
model whose queryset is scoped (accounts.scoping.ScopedQuerySet) must call `visible_to(...)` or
`editable_by(...)` somewhere in the same chain, or be `.none()`. The one other shape allowed is the
`queryset = Model.objects…` declaration of a class built on a scoped base (ground.api's
ScopedViewSetMixin, ground.views' ScopedQuerysetMixin), which applies `visible_to` itself.
Anything else fails, so a new view cannot forget the scope unnoticed; writes belong in services.
"""

import ast
from pathlib import Path

from django.apps import apps

from accounts.scoping import ScopedQuerySet

ROOT = Path(__file__).resolve().parent.parent
APPS = ("accounts", "inventory", "matching", "evaluation", "reporting")
SCOPING = {"visible_to", "editable_by"}

SAFE = SCOPING | {"none"}


def scoped_models() -> set[str]:
    return {model.__name__ for model in apps.get_models() if isinstance(model._default_manager.all(), ScopedQuerySet)}


def is_request_facing(path: Path) -> bool:
    """Views, API modules and exports: the code that answers a request."""
    name = path.name
    return (name in {"views.py", "api.py", "viewsets.py", "exports.py", "exporters.py"}
            or name.endswith(("_views.py", "_api.py"))
            or "api" in path.parent.parts[-1:])


def request_modules() -> list[Path]:
    found = []
    for app in APPS:
        found += [path for path in sorted((ROOT / app).rglob("*.py"))
                  if "migrations" not in path.parts and is_request_facing(path)]
    return found


def unscoped_reads(source: str, models: set[str]) -> list[tuple[int, str]]:
    """(line, model) of every `Model.objects` chain in `source` that never calls visible_to/editable_by."""
    tree = ast.parse(source)
    parents: dict[ast.AST, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    declared = _scoped_class_declarations(tree)
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr in {"objects", "_default_manager"}
                and isinstance(node.value, ast.Name) and node.value.id in models):
            continue
        called: set[str] = set()
        current = node
        # Walk up the chain: Model.objects.a(...).b(...) is Attribute / Call nodes, each the value of the next.
        while current in parents:
            parent = parents[current]
            if isinstance(parent, ast.Attribute) and parent.value is current:
                called.add(parent.attr)
            elif not (isinstance(parent, ast.Call) and parent.func is current):
                break
            current = parent
        if not called & SAFE and current not in declared:
            found.append((node.lineno, node.value.id))
    return found


def _scoped_class_declarations(tree: ast.Module) -> set[ast.AST]:
    """The values of `queryset = …` in classes whose bases include a Scoped… mixin."""
    values = set()
    for cls in ast.walk(tree):
        if isinstance(cls, ast.ClassDef) and any("Scoped" in ast.unparse(base) for base in cls.bases):
            for statement in cls.body:
                if (isinstance(statement, ast.Assign)
                        and any(isinstance(t, ast.Name) and t.id == "queryset" for t in statement.targets)):
                    values.add(statement.value)
    return values


def test_every_request_facing_read_of_a_scoped_model_goes_through_its_scope():
    models = scoped_models()
    assert {"Patent", "InventoryRecord", "ImportBatch", "Organization", "User"} <= models
    failures = []
    for path in request_modules():
        relative = str(path.relative_to(ROOT))
        for line, model in unscoped_reads(path.read_text(encoding="utf-8"), models):
            failures.append(f"{relative}:{line} reads {model}.objects without visible_to/editable_by")
    assert not failures, "\n".join(failures)


def test_the_check_sees_an_unscoped_read():
    models = {"Patent"}
    assert unscoped_reads("Patent.objects.filter(pk=1)\n", models) == [(1, "Patent")]
    assert unscoped_reads("Patent.objects.visible_to(user).filter(pk=1)\n", models) == []
    assert unscoped_reads("Patent.objects.filter(pk=1).editable_by(user)\n", models) == []
    assert unscoped_reads("x = get_object_or_404(Patent.objects.all(), pk=1)\n", models) == [(1, "Patent")]
    assert unscoped_reads("class V(ScopedViewSetMixin):\n    queryset = Patent.objects.all()\n", models) == []
    assert unscoped_reads("class V(ViewSet):\n    queryset = Patent.objects.all()\n", models) == [(2, "Patent")]


def test_the_modules_checked_include_every_app_s_views_and_api():
    names = {str(path.relative_to(ROOT)) for path in request_modules()}
    assert "inventory/upload/views.py" in names
    assert "inventory/conversions/api.py" in names
    assert "inventory/api/viewsets.py" in names
    assert "accounts/admin_views.py" in names
