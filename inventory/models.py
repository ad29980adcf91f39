"""The inventory app's models, collected from its areas for Django (each area owns its models)."""

from inventory.classification.models import Industry, IndustryRule, PatentIndustry, PatentTechField, TechnologyField
from inventory.conversions.models import Conversion, OpenLicenseDeclaration
from inventory.milestones.models import Milestone
from inventory.patents.models import Patent, PatentOwnership
from inventory.records.models import InventoryChange, InventoryRecord, SelfAssessmentInvitation
from inventory.search.models import PatentSearchDocument
from inventory.upload.models import ImportBatch

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
