from rest_framework.routers import DefaultRouter

from . import viewsets
from .conversions import ConversionViewSet, OpenLicenceViewSet
from .industries import IndustryViewSet, TechnologyFieldViewSet
from .library import LibraryViewSet
from .milestones import MilestoneProgressViewSet
from .review import ReviewViewSet, SelfAssessmentInvitationViewSet
from .search import SearchViewSet
from .workbench import WorkbenchInventoryRecordViewSet, WorkbenchPatentViewSet


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
