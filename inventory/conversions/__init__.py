"""Conversions (转化实施: transfer, licence, equity, own implementation, product filing) and
open-licence declarations (开放许可): the rules (services, open_licences), the conversion records
sheet (sheet_format, importer), forms, pages and API.

Other areas and apps import this area through the names below (and its models, urls, api and
tasks modules); everything else is the area's own.
"""

from ground.exports import public

MODULES = ()

__getattr__, __dir__, __all__ = public(__name__, modules=MODULES, services="patent_expiry")
