"""Chinese full-text search over patents: the search documents (models), indexing, the keyword
filter and the search by number (services), loading the segmenter's dictionary when a web or
worker process starts (warm_up), the page and the API.
"""

from ground.exports import public

__getattr__, __dir__, __all__ = public(
    __name__, modules=("services",), services="index_patents keyword_filter warm_up warm_up_worker"
)
