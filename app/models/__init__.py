"""All models, imported here so Alembic and the app see one metadata."""

from app.models.calendar import CalendarOverride
from app.models.complaint import (
    OPEN_STATUSES,
    Complaint,
    ComplaintDeadline,
    ComplaintEvent,
    ComplaintKind,
    ContentCheck,
    InboxMessage,
    OutboxMessage,
    OutboxStatus,
    RoutingRule,
    Status,
    Subscription,
    Upload,
)
from app.models.consumer import Consumer
from app.models.directory import BusinessCircle, Region, Station, StationKind
from app.models.staff import OAInbound, Staff, StaffInvite, StaffRole
from app.models.store import (
    Badge,
    CodeStatus,
    Commitment,
    CommitmentKind,
    Credential,
    CredentialKind,
    Industry,
    Store,
    StoreCode,
    StoreScanDaily,
)

__all__ = [
    "OPEN_STATUSES",
    "Badge",
    "BusinessCircle",
    "CalendarOverride",
    "CodeStatus",
    "Commitment",
    "CommitmentKind",
    "Complaint",
    "ComplaintDeadline",
    "ComplaintEvent",
    "ComplaintKind",
    "Consumer",
    "ContentCheck",
    "Credential",
    "CredentialKind",
    "InboxMessage",
    "Industry",
    "OAInbound",
    "OutboxMessage",
    "OutboxStatus",
    "Region",
    "RoutingRule",
    "Staff",
    "StaffInvite",
    "StaffRole",
    "Station",
    "StationKind",
    "Status",
    "Store",
    "StoreCode",
    "StoreScanDaily",
    "Subscription",
    "Upload",
]
