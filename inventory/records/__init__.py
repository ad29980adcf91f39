"""Inventory records: an institution's assessment of each patent (models), the standard format's
columns and the §3 cross-field rules (formats), the one assessment service behind every edit
(assessment), the optimistic locking of every edit (locking), the change history (history), the
assessment and its history as people read them (display), the review levels and the one
review-state machine (review, its pages in review_views), departments (departments), the inventor
self-assessment (self_assessment, its pages in self_assessment_views) and what each inventory
figure counts (scope).
"""

from ground.exports import public

__getattr__, __dir__, __all__ = public(
    __name__, modules=("display", "history", "locking", "review", "self_assessment"),
    assessment="ASSESSMENT_FIELDS INVENTOR_FIELDS AssessmentError assessment_errors update_assessment",
    departments="resolve_departments",
    display="GROUPS",
    formats=("IMPLEMENTED INDUSTRIES InventoryFormat LICENSE RECORD_FIELDS REQUIRED_FIELDS "
             "YES_NO application_number asking_price blank_value cell_value cross_field_errors is_blank "
             "missing_required"),
    history="jsonable",
    locking="StaleRecord etag parse_version versions_from",
    scope="InventoryFigures in_scope inventory_figures led_records scope_records",
    self_assessment="granted_records",
)
