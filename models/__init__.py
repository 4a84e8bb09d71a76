"""The database models, one aggregate per module; importing this registers them all."""

from models.audit import AuditEvent
from models.base import Base
from models.draft import Draft, DraftFile, DraftState, DraftVersion
from models.figures import OutletMonth
from models.inbound import InboundMessage
from models.member import DepartmentEditor, Member, Role
from models.outbox import OutboxMessage, OutboxState
from models.outlet import Level, Outlet, RewardRules, Submission, SubmissionState
from models.paging import PendingPages
from models.points import DraftMonth, MemberMonth, Share
from models.schedule import JobRun, Lead, Schedule, StudyItem
from models.topic import DraftTopic, Topic
from models.training import Training, TrainingAttendance
from models.wecom import AccessToken, SendWindow
from models.workday import SpecialDay

__all__ = [
    "AccessToken",
    "AuditEvent",
    "Base",
    "DepartmentEditor",
    "Draft",
    "DraftFile",
    "DraftMonth",
    "DraftState",
    "DraftTopic",
    "DraftVersion",
    "InboundMessage",
    "JobRun",
    "Lead",
    "Level",
    "Member",
    "MemberMonth",
    "OutboxMessage",
    "OutboxState",
    "Outlet",
    "OutletMonth",
    "PendingPages",
    "RewardRules",
    "Role",
    "Schedule",
    "SendWindow",
    "Share",
    "SpecialDay",
    "StudyItem",
    "Submission",
    "SubmissionState",
    "Topic",
    "Training",
    "TrainingAttendance",
]
