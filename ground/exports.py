"""A package's public names, loaded when first used.

An area package (inventory.upload, inventory.records…) lists in its `__init__` what other areas
and apps may use, by the submodule each name lives in:

    __getattr__, __dir__, __all__ = public(__name__, modules=("services",),
                                           services="UploadError can_upload", stage="drop_abandoned")

`from inventory.upload import drop_abandoned` then imports inventory.upload.stage on first use;
`from inventory.upload import services` names a submodule other areas may use whole. Other areas
and apps import an area only through these names and its wiring modules (models, urls, api,
tasks); everything else is the area's own (tests/test_architecture.py checks it).
Loading on use, rather than importing every submodule in `__init__`, keeps Django's app loading
safe (inventory.models imports each area's models, which runs the area's `__init__` before any
app is ready) and keeps an area's services from running when only its models are wanted.
"""

from collections.abc import Callable
from importlib import import_module


def public(
    package: str, *, modules: tuple[str, ...] = (), **names: str
) -> tuple[Callable[[str], object], Callable[[], list[str]], list[str]]:
    """The module-level `__getattr__`, `__dir__` and `__all__` of `package`: the public submodules
    `modules`, and for each submodule (keyword) the space-separated names it exports."""
    home = {name: module for module, listed in names.items() for name in listed.split()}
    exported = sorted({*home, *modules})

    def __getattr__(name: str) -> object:
        if name in modules:
            return import_module(f"{package}.{name}")
        try:
            module = home[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        return getattr(import_module(f"{package}.{module}"), name)

    def __dir__() -> list[str]:
        return exported

    return __getattr__, __dir__, exported
