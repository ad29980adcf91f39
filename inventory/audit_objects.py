"""How the audit log names the inventory app's objects (accounts.audit_objects), registered when
the app is ready.

Uploads and self-assessment invitations are named for whoever reads the log (their querysets'
"audit" purpose): an upload by its kind and file, an invitation by its inventor. Patents, inventory
records, conversions and open-licence declarations are business data: each is named (application
number and title) only for a viewer who sees it, with a link to the patent's page; the audit
administrator sees none of them (三员分立) and reads their reference.
"""

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.audit_objects import person, register_target, register_values
from inventory.choices import ReviewState
from inventory.models import (
    Conversion,
    ImportBatch,
    InventoryRecord,
    OpenLicenseDeclaration,
    Patent,
    SelfAssessmentInvitation,
)
from inventory.workbench import ACTIONS as BULK_ACTIONS

# The page of an upload, by its kind (the platform's own sheets have a list page only).
_BATCH_PAGES = {ImportBatch.Kind.INVENTORY: "inventory:upload_detail",
                ImportBatch.Kind.CONVERSIONS: "inventory:conversion_upload_detail"}
_PATENT = ("patent_id", "patent__application_number", "patent__title")


def _batch_name(kind: str, original_name: str) -> str:
    return _("%(kind)s:%(file)s") % {"kind": ImportBatch.Kind(kind).label, "file": original_name}


def _batch_page(pk: int, kind: str, original_name: str) -> str:
    return reverse(_BATCH_PAGES[kind], args=[pk]) if kind in _BATCH_PAGES else ""


def _invitation_name(full_name: str, username: str) -> str:
    return _("%(inventor)s 的自评邀请") % {"inventor": person(full_name, username)}


def _patent_name(number: str, title: str) -> str:
    return f"{number} {title}"


def _patent_page(pk: int, patent_id: int, *values: str) -> str:
    return reverse("inventory:patent_detail", args=[patent_id])


def _of_patent(model) -> None:
    """Name `model`'s objects, each of one patent: "申请号 专利名称 的<kind>"."""
    def name(patent_id: int, number: str, title: str) -> str:
        return _("%(patent)s 的%(object)s") % {"patent": _patent_name(number, title),
                                                "object": model._meta.verbose_name}

    register_target(model, _PATENT, name, _patent_page)


register_target(ImportBatch, ("kind", "original_name"), _batch_name, _batch_page)
register_target(SelfAssessmentInvitation, ("inventor__full_name", "inventor__username"), _invitation_name,
                lambda pk, *values: reverse("inventory:self_assessment_detail", args=[pk]))
register_target(Patent, ("application_number", "title"), _patent_name,
                lambda pk, *values: reverse("inventory:patent_detail", args=[pk]))
register_target(InventoryRecord, _PATENT, lambda patent_id, number, title: _patent_name(number, title), _patent_page)
_of_patent(Conversion)
_of_patent(OpenLicenseDeclaration)
# Events about many records at once (a review step, a bulk action) have no object to read these from.
register_values("review_state", ReviewState.choices)
register_values("action_name", BULK_ACTIONS)
