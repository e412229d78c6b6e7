from annotator.models.clip import Clip, Subject
from annotator.models.event import CodingEvent, EventRevision
from annotator.models.job import Job
from annotator.models.project import Membership, Project

__all__ = ["Clip", "CodingEvent", "EventRevision", "Job", "Membership", "Project", "Subject"]
