"""The reporting app's models, collected from its areas for Django (each area owns its models)."""

from reporting.cases.models import CaseAttachment, CaseReport
from reporting.feeds.models import FeedBatch, FeedDelivery, FeedEndpoint, FeedEntry, FeedState
from reporting.reports.models import ReportJob
from reporting.spotchecks.models import SampledRecord, SpotCheck
from reporting.statistics.models import Bulletin, QuarterlyStat, SignOff, StatRun

__all__ = ["Bulletin", "CaseAttachment", "CaseReport", "FeedBatch", "FeedDelivery", "FeedEndpoint", "FeedEntry",
           "FeedState", "QuarterlyStat", "ReportJob", "SampledRecord", "SignOff", "SpotCheck", "StatRun"]
