"""The inventory app's models, one concept per module."""

from .conversions import Conversion, OpenLicenseDeclaration
from .core import (
    ImportBatch,
    InventoryChange,
    InventoryRecord,
    Patent,
    PatentOwnership,
)
from .industries import Industry, IndustryRule, PatentIndustry, PatentTechField, TechnologyField
from .milestones import Milestone
from .search import PatentSearchDocument
from .self_assessment import SelfAssessmentInvitation

__all__ = [
    "Conversion",
    "ImportBatch",
    "Industry",
    "IndustryRule",
    "InventoryChange",
    "InventoryRecord",
    "Milestone",
    "OpenLicenseDeclaration",
    "Patent",
    "PatentIndustry",
    "PatentOwnership",
    "PatentSearchDocument",
    "PatentTechField",
    "SelfAssessmentInvitation",
    "TechnologyField",
]
