"""Chinese full-text search over patents: the search documents (models), indexing and the
keyword filter (services), the page and the API.

Other areas and apps import this area through the names below (and its models, urls, api and
tasks modules); everything else is the area's own.
"""

from ground.exports import public

# The public submodules: imported whole, as `from inventory.search import <module>`.
MODULES = ("services",)

__getattr__, __dir__, __all__ = public(__name__, modules=MODULES, services="index_patents keyword_filter")
