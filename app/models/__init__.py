"""All models, imported here so Alembic and the app see one metadata."""

from app.models.consumer import Consumer
from app.models.directory import BusinessCircle, Region, Station, StationKind
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
    "Badge",
    "BusinessCircle",
    "CodeStatus",
    "Commitment",
    "CommitmentKind",
    "Consumer",
    "Credential",
    "CredentialKind",
    "Industry",
    "Region",
    "Station",
    "StationKind",
    "Store",
    "StoreCode",
    "StoreScanDaily",
]
