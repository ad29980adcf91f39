"""The inventory workbench: the institution's patent list with filters, keyset pages and bulk
actions (query, bulk), the per-patent page with in-place edits (views, forms).

Other areas and apps use it only through its urls, api and tasks modules.
"""
