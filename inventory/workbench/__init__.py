"""The inventory workbench: the institution's patent list with filters, keyset pages and bulk
actions (query, bulk), the per-patent page with in-place edits (views, forms).

Other areas and apps use it only through its urls, api and tasks modules, and the names of its
bulk actions (ACTIONS, which the audit log names them by).
"""

from ground.exports import public

__getattr__, __dir__, __all__ = public(__name__, bulk="ACTIONS")
