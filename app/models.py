"""All models, imported here so Alembic and the app see one metadata."""

from app.accounts.models import ConsoleRole, ConsoleUser
from app.audit.models import AuditEntry
from app.calendar.models import CalendarOverride, CalendarYear
from app.complaints.models import (
    OPEN_STATUSES,
    Complaint,
    ComplaintDeadline,
    ComplaintEvent,
    ComplaintKind,
    ContentCheck,
    Status,
)
from app.consumers.models import Consumer, InboxMessage, Subscription
from app.directory.models import BusinessCircle, Region, RoutingRule, Station, StationKind
from app.figures.models import FigureBucket, FigureCoarse, FigureDaily, FigureRollupState
from app.notifications.models import CredentialAlert, OutboxMessage, OutboxStatus
from app.official_account.models import OAInbound
from app.publicity.models import ReplyStatus, StoreReply
from app.staff.models import Staff, StaffInvite, StaffRole
from app.stores.models import (
    Badge,
    CodeStatus,
    Commitment,
    CommitmentKind,
    Credential,
    CredentialKind,
    Industry,
    RevokedScanDaily,
    Store,
    StoreCode,
    StorePublicity,
    StoreScanDaily,
)
from app.uploads.models import Upload

__all__ = [
    "OPEN_STATUSES",
    "AuditEntry",
    "Badge",
    "BusinessCircle",
    "CalendarOverride",
    "CalendarYear",
    "CodeStatus",
    "Commitment",
    "CommitmentKind",
    "Complaint",
    "ComplaintDeadline",
    "ComplaintEvent",
    "ComplaintKind",
    "ConsoleRole",
    "ConsoleUser",
    "Consumer",
    "ContentCheck",
    "Credential",
    "CredentialAlert",
    "CredentialKind",
    "FigureBucket",
    "FigureCoarse",
    "FigureDaily",
    "FigureRollupState",
    "InboxMessage",
    "Industry",
    "OAInbound",
    "OutboxMessage",
    "OutboxStatus",
    "Region",
    "ReplyStatus",
    "RevokedScanDaily",
    "RoutingRule",
    "Staff",
    "StaffInvite",
    "StaffRole",
    "Station",
    "StationKind",
    "Status",
    "Store",
    "StoreCode",
    "StorePublicity",
    "StoreReply",
    "StoreScanDaily",
    "Subscription",
    "Upload",
]
