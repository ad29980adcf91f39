"""Inventory records: an institution's assessment of each patent (models), the standard format's
columns and the §3 cross-field rules (formats), the one assessment service behind every edit
(assessment), the change history (history), the review levels and the one review-state machine
(review, its pages in review_views), departments (departments) and the inventor self-assessment
(self_assessment, its pages in self_assessment_views).

Other areas and apps import this area through the names below (and its models, urls, api and
tasks modules); everything else is the area's own.
"""

from ground.exports import public

# The public submodules: imported whole, as `from inventory.records import <module>`.
MODULES = ("history", "review", "self_assessment")

__getattr__, __dir__, __all__ = public(
    __name__,
    {
        "ASSESSMENT_FIELDS": "assessment",
        "AssessmentError": "assessment",
        "IMPLEMENTED": "formats",
        "INDUSTRIES": "formats",
        "InventoryFormat": "formats",
        "LICENSE": "formats",
        "RECORD_FIELDS": "formats",
        "YES_NO": "formats",
        "application_number": "formats",
        "asking_price": "formats",
        "assessment_errors": "assessment",
        "blank_value": "formats",
        "cell_value": "formats",
        "cross_field_errors": "formats",
        "granted_records": "self_assessment",
        "jsonable": "history",
        "resolve_departments": "departments",
        "update_assessment": "assessment",
    },
    modules=MODULES,
)
