from annotator.models.clip import Clip, Subject
from annotator.models.event import CodingEvent, EventRevision
from annotator.models.export import Export
from annotator.models.job import Job
from annotator.models.project import Membership, Project

__all__ = ["Clip", "CodingEvent", "EventRevision", "Export", "Job", "Membership", "Project", "Subject"]
