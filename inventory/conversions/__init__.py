"""Conversions (转化实施: transfer, licence, equity, own implementation, product filing) and
open-licence declarations (开放许可): the rules (services, open_licences), the conversion records
sheet (sheet_format, importer), forms, pages and API.
"""

from ground.exports import public

__getattr__, __dir__, __all__ = public(__name__, importer="CONVERSIONS", services="patent_expiry")
