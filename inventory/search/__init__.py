"""Chinese full-text search over patents: the search documents (models), indexing and the
keyword filter (services), the page and the API.
"""

from ground.exports import public

__getattr__, __dir__, __all__ = public(__name__, modules=("services",), services="index_patents keyword_filter")
