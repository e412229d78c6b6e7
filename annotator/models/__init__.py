from annotator.models.audit import AuditEntry, EventComment
from annotator.models.clip import Clip, Subject
from annotator.models.dataset_import import ImportReport
from annotator.models.event import CodingEvent, EventRevision
from annotator.models.export import Export
from annotator.models.job import Job
from annotator.models.project import Membership, Project
from annotator.models.study import Assignment, ClipUncertainty

__all__ = ["Assignment", "AuditEntry", "Clip", "ClipUncertainty", "CodingEvent", "EventComment", "EventRevision",
           "Export", "ImportReport", "Job", "Membership", "Project", "Subject"]
