"""The imports of every app by kind, for the Celery tasks that run their steps (ground.imports.tasks).

Each app registers its formats when it is ready (its AppConfig.ready), so a worker finds them.
"""

from ground.imports.pipeline import SheetImport

_IMPORTS: dict[str, SheetImport] = {}


def register(importer: SheetImport) -> SheetImport:
    if not importer.kind:
        raise ValueError("an import needs a kind")
    _IMPORTS[importer.kind] = importer
    return importer


def importer_for(kind: str) -> SheetImport:
    try:
        return _IMPORTS[kind]
    except KeyError:
        raise LookupError(f"no import is registered for {kind!r}") from None


def registered() -> list[SheetImport]:
    """Every registered import, in the order they were registered."""
    return list(_IMPORTS.values())
