from rest_framework.routers import DefaultRouter

from inventory.api import viewsets
from inventory.classification.api import IndustryViewSet, TechnologyFieldViewSet
from inventory.conversions.api import ConversionViewSet, OpenLicenceViewSet
from inventory.library.api import LibraryViewSet
from inventory.milestones.api import MilestoneProgressViewSet
from inventory.records.api import ReviewViewSet, SelfAssessmentInvitationViewSet
from inventory.search.api import SearchViewSet
from inventory.workbench.api import WorkbenchInventoryRecordViewSet, WorkbenchPatentViewSet


def register(router: DefaultRouter) -> None:
    # The workbench extends the patents and records endpoints (filters, PATCH, bulk).
    router.register("patents", WorkbenchPatentViewSet, basename="patent")
    router.register("inventory-records", WorkbenchInventoryRecordViewSet, basename="inventoryrecord")
    router.register("import-batches", viewsets.ImportBatchViewSet, basename="importbatch")
    router.register("library", LibraryViewSet, basename="library")
    router.register("review", ReviewViewSet, basename="review")
    router.register("self-assessment-invitations", SelfAssessmentInvitationViewSet,
                    basename="selfassessmentinvitation")
    router.register("search", SearchViewSet, basename="search")
    router.register("milestone-progress", MilestoneProgressViewSet, basename="milestoneprogress")
    router.register("industries", IndustryViewSet, basename="industry")
    router.register("technology-fields", TechnologyFieldViewSet, basename="technologyfield")
    router.register("conversions", ConversionViewSet, basename="conversion")
    router.register("open-licences", OpenLicenceViewSet, basename="openlicensedeclaration")
