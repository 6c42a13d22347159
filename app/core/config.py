"""Configuration, read from environment variables only (and a `.env` file when present)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import load_dotenv

from wechat import SANDBOX_OA_APPID

INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", Path(__file__).resolve().parents[2] / "instance"))

#: Variables that must be set when APP_ENV=production. The service refuses to start without them.
PRODUCTION_REQUIRED = (
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "PUBLIC_BASE_URL",
    "WECHAT_MP_APPID",
    "WECHAT_MP_SECRET",
    "WECHAT_OA_APPID",
    "WECHAT_OA_SECRET",
    "WECHAT_OA_TOKEN",
    "WECHAT_OA_AES_KEY",
)

DEFAULT_WECHAT_API_BASE = "https://api.weixin.qq.com"
DEFAULT_PORT = 8000

#: Written by `make run` (app.dev.server) while it serves, removed when it stops: the addresses the running
#: server uses, so `flask ...` commands from another terminal in the same checkout print matching URLs.
RUN_FILE = INSTANCE_DIR / "run.json"
#: The variables `make run` records there. An explicit environment variable always wins over the file.
RUN_FILE_KEYS = ("PUBLIC_BASE_URL", "WECHAT_API_BASE", "WECHAT_OAUTH_BASE")

#: Official-account push credentials used outside production when unset, so the callback always verifies
#: signatures and `flask sandbox oa-say` works in the demo. Production refuses to start without real ones.
SANDBOX_OA_TOKEN = "sandbox-oa-token"
SANDBOX_OA_AES_KEY = "eWlkaWFuLXlpbWEtc2FuZGJveC1vYS1hZXMta2V5ISE"  # 43 characters: 32 bytes, base64


class ConfigError(RuntimeError):
    """The environment does not describe a service that may start."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _float(name: str, default: float) -> float:
    raw = _env(name)
    return float(raw) if raw is not None else default


def _int(name: str, default: int) -> int:
    raw = _env(name)
    return int(raw) if raw is not None else default


def _bool(name: str, default: bool) -> bool:
    raw = _env(name)
    return raw.strip().lower() in ("1", "true", "yes", "on") if raw is not None else default


@dataclass
class Settings:
    """Typed view of the environment. `to_flask()` turns it into Flask config keys."""

    APP_ENV: str = "development"
    DATABASE_URL: str | None = None
    REDIS_URL: str | None = None
    SECRET_KEY: str | None = None
    PUBLIC_BASE_URL: str = f"http://127.0.0.1:{DEFAULT_PORT}"  # unless PORT or RUN_FILE says otherwise
    WECHAT_API_BASE: str = DEFAULT_WECHAT_API_BASE
    WECHAT_MP_APPID: str | None = None
    WECHAT_MP_SECRET: str | None = None
    WECHAT_OA_APPID: str | None = None
    WECHAT_OA_SECRET: str | None = None
    WECHAT_OA_TOKEN: str | None = None
    WECHAT_OA_AES_KEY: str | None = None
    WECHAT_OA_ENCRYPTED_ONLY: bool = False  # refuse plaintext pushes (set once the account is in safe mode)
    WECHAT_MP_VERIFY_FILE: str | None = None  # "name.txt:content" for the ordinary-link QR rule
    WECHAT_MP_STORE_PAGE: str = "pages/store/index"  # page opened by the printed mini-program code
    WECHAT_HTTP_TIMEOUT: float = 3.0  # seconds, per WeChat API request
    WECHAT_MP_TPL_PROGRESS: str | None = None  # subscribe template: complaint progress (consumer)
    WECHAT_OA_TPL_NEW_COMPLAINT: str | None = None  # template message: new complaint (staff, merchant)
    WECHAT_OA_TPL_DEADLINE: str | None = None  # template message: missed deadline / escalation (staff)
    WECHAT_OA_TPL_CREDENTIAL_EXPIRY: str | None = (
        None  # template message: credential expiry (staff, merchant)
    )
    WECHAT_TEMPLATE_FIELDS: str | None = None  # JSON overriding app.notifications.format.DEFAULT_FIELDS
    WECHAT_MP_STATE: str = "formal"  # miniprogram_state of subscribe messages: developer | trial | formal
    OUTBOX_MAX_ATTEMPTS: int = 8  # WeChat tries per message before it is dead
    OUTBOX_RETRY_BASE_SECONDS: float = 10.0  # back-off: base * 2^(attempt-1) ...
    OUTBOX_RETRY_MAX_SECONDS: float = 3600.0  # ... capped here
    OUTBOX_SWEEP_SECONDS: float = 15.0  # how often the worker re-delivers due pending messages
    OUTBOX_SWEEP_BATCH: int = 100  # messages per batch of a sweep (a sweep runs batches until none is due)
    OUTBOX_SWEEP_THREADS: int = 8  # rows a sweep delivers at once (PostgreSQL; SQLite: one)
    OUTBOX_CATCH_UP_SECONDS: float = 5.0  # a due message left this long (jobs lost, failed) is swept at once
    OUTBOX_IN_FLIGHT_SECONDS: float = 60.0  # a send not settled after this long: its worker died mid-call
    OUTBOX_RESEND_WINDOW_SECONDS: float = 300.0  # resend a template (same client_msg_id) only this soon
    OA_INBOUND_KEEP_DAYS: int = 7  # official-account messages kept for replaying WeChat's retries
    HOTLINE_12315: str = "12315"
    SESSION_TTL_SECONDS: int = 7 * 24 * 3600
    STORE_CACHE_TTL_SECONDS: int = 6 * 3600
    STORE_CACHE_LOCAL_TTL_SECONDS: float = 1.0  # trust window after the last sync: the staleness bound
    STORE_CACHE_SYNC_SECONDS: float = 0.5  # how often each process reads the invalidation stream
    STORE_CACHE_LOCAL_MAX_AGE_SECONDS: float = 300.0  # a local page is rebuilt from Redis at least this often
    SCAN_FLUSH_SECONDS: float = 1.0
    #: ip2region xdb files (IPv4, and optionally IPv6) the operator downloads from the ip2region project:
    #: with one, each scan is counted as from the store's city or not (`app.stores.scan_origin`). Empty: off.
    SCAN_REGION_XDB: str = ""
    SCAN_REGION_XDB_V6: str = ""
    SCAN_OUT_OF_CITY_MIN: int = 20  # flag a store's day only from this many scans with a known origin …
    SCAN_OUT_OF_CITY_SHARE: float = 0.5  # … when more than this share of them came from another city
    CREDENTIAL_EXPIRING_DAYS: int = 30
    #: Map tiles under the console map: a URL template with {x} {y} {z} {key} (Tianditu, or AMap whose
    #: tiles are GCJ-02-shifted), and its key. Empty: the points on a plain background, nothing fetched.
    MAP_TILE_URL: str = ""
    MAP_TILE_KEY: str = ""
    #: The coordinate system of the tiles: "wgs84" (Tianditu, CGCS2000 ≈ WGS 84, like the stores'
    #: coordinates) or "gcj02" (AMap); empty: "gcj02" for an AMap (autonavi.com / amap.com) URL, else "wgs84".
    MAP_TILE_CRS: str = ""
    #: Case exports: up to this many rows an XLSX is built during the request; above, the worker writes it.
    EXPORT_INLINE_MAX_ROWS: int = 5000
    EXPORT_KEEP_HOURS: int = 24  # how long a worker-written export stays downloadable
    EXPORT_DIR: str | None = None  # None: <instance>/exports (shared by the web and worker processes)
    PUBLICITY_MIN_CASES: int = 5  # below this many complaints in 12 months a store's record shows no rates
    DEADLINE_WARNING_WORKING_HOURS: float = 4.0  # alert handlers when a deadline is this close
    COMPLAINTS_PER_HOUR: int = 5  # per consumer
    COMPLAINTS_PER_STORE_DAY: int = 3  # per consumer and store
    COMPLAINTS_PER_ADDRESS_HOUR: int = 10  # per client address
    #: Reverse proxies in front of the app (nginx: 1). Their X-Forwarded-For / -Proto are trusted that many
    #: hops deep, so the per-address limit sees the consumer's address, not the proxy's. 0: none trusted.
    TRUSTED_PROXIES: int = 0
    UPLOAD_MAX_BYTES: int = 10 * 1024 * 1024  # per evidence photo, as received
    UPLOAD_DIR: str | None = None  # LocalStorage root; None: <instance>/uploads
    STORAGE_BACKEND: str = "local"  # see app.uploads.storage
    # Staff H5 pages (/oa): WeChat web OAuth host (the emulator in tests/demo), MP_verify file, lifetimes.
    WECHAT_OAUTH_BASE: str = "https://open.weixin.qq.com"
    WECHAT_OA_VERIFY_FILE: str | None = None  # "MP_verify_xxx.txt:content", served at the root
    STAFF_SESSION_TTL_SECONDS: int = 2 * 3600  # the signed staff cookie of the H5 pages
    STAFF_LINK_TTL_SECONDS: int = 7 * 24 * 3600  # sandbox signed links in alerts
    # Regulators' console (/admin): idle and absolute session lifetimes.
    CONSOLE_IDLE_SECONDS: int = 30 * 60
    CONSOLE_SESSION_SECONDS: int = 12 * 3600
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> Settings:
        load_dotenv(override=False)
        s = cls()
        for name, value in running_server().items():
            setattr(s, name, value)
        if _env("PORT") is not None:
            s.PUBLIC_BASE_URL = f"http://127.0.0.1:{_env('PORT')}"
        for name in (
            "APP_ENV",
            "DATABASE_URL",
            "REDIS_URL",
            "SECRET_KEY",
            "PUBLIC_BASE_URL",
            "WECHAT_API_BASE",
            "WECHAT_MP_APPID",
            "WECHAT_MP_SECRET",
            "WECHAT_OA_APPID",
            "WECHAT_OA_SECRET",
            "WECHAT_OA_TOKEN",
            "WECHAT_OA_AES_KEY",
            "WECHAT_MP_VERIFY_FILE",
            "WECHAT_MP_STORE_PAGE",
            "HOTLINE_12315",
            "UPLOAD_DIR",
            "STORAGE_BACKEND",
            "WECHAT_MP_TPL_PROGRESS",
            "WECHAT_OA_TPL_NEW_COMPLAINT",
            "WECHAT_OA_TPL_DEADLINE",
            "WECHAT_OA_TPL_CREDENTIAL_EXPIRY",
            "WECHAT_TEMPLATE_FIELDS",
            "WECHAT_MP_STATE",
        ):
            value = _env(name)
            if value is not None:
                setattr(s, name, value)
        s.SESSION_TTL_SECONDS = _int("SESSION_TTL_SECONDS", s.SESSION_TTL_SECONDS)
        s.STORE_CACHE_TTL_SECONDS = _int("STORE_CACHE_TTL_SECONDS", s.STORE_CACHE_TTL_SECONDS)
        s.STORE_CACHE_LOCAL_TTL_SECONDS = _float(
            "STORE_CACHE_LOCAL_TTL_SECONDS", s.STORE_CACHE_LOCAL_TTL_SECONDS
        )
        s.SCAN_FLUSH_SECONDS = _float("SCAN_FLUSH_SECONDS", s.SCAN_FLUSH_SECONDS)
        s.STORE_CACHE_SYNC_SECONDS = _float("STORE_CACHE_SYNC_SECONDS", s.STORE_CACHE_SYNC_SECONDS)
        s.STORE_CACHE_LOCAL_MAX_AGE_SECONDS = _float(
            "STORE_CACHE_LOCAL_MAX_AGE_SECONDS", s.STORE_CACHE_LOCAL_MAX_AGE_SECONDS
        )
        s.WECHAT_HTTP_TIMEOUT = _float("WECHAT_HTTP_TIMEOUT", s.WECHAT_HTTP_TIMEOUT)
        s.CREDENTIAL_EXPIRING_DAYS = _int("CREDENTIAL_EXPIRING_DAYS", s.CREDENTIAL_EXPIRING_DAYS)
        s.DEADLINE_WARNING_WORKING_HOURS = _float(
            "DEADLINE_WARNING_WORKING_HOURS", s.DEADLINE_WARNING_WORKING_HOURS
        )
        for name in (
            "COMPLAINTS_PER_HOUR",
            "COMPLAINTS_PER_STORE_DAY",
            "COMPLAINTS_PER_ADDRESS_HOUR",
            "TRUSTED_PROXIES",
            "PUBLICITY_MIN_CASES",
            "EXPORT_INLINE_MAX_ROWS",
            "EXPORT_KEEP_HOURS",
        ):
            setattr(s, name, _int(name, getattr(s, name)))
        s.UPLOAD_MAX_BYTES = _int("UPLOAD_MAX_BYTES", s.UPLOAD_MAX_BYTES)
        s.OA_INBOUND_KEEP_DAYS = max(1, _int("OA_INBOUND_KEEP_DAYS", s.OA_INBOUND_KEEP_DAYS))
        s.SCAN_OUT_OF_CITY_MIN = max(1, _int("SCAN_OUT_OF_CITY_MIN", s.SCAN_OUT_OF_CITY_MIN))
        s.SCAN_OUT_OF_CITY_SHARE = _float("SCAN_OUT_OF_CITY_SHARE", s.SCAN_OUT_OF_CITY_SHARE)
        for name in (
            "WECHAT_OAUTH_BASE",
            "WECHAT_OA_VERIFY_FILE",
            "MAP_TILE_URL",
            "MAP_TILE_KEY",
            "SCAN_REGION_XDB",
            "SCAN_REGION_XDB_V6",
            "MAP_TILE_CRS",
            "EXPORT_DIR",
        ):
            value = _env(name)
            if value is not None:
                setattr(s, name, value)
        for name in (
            "STAFF_SESSION_TTL_SECONDS",
            "STAFF_LINK_TTL_SECONDS",
            "CONSOLE_IDLE_SECONDS",
            "CONSOLE_SESSION_SECONDS",
        ):
            setattr(s, name, _int(name, getattr(s, name)))
        s.OUTBOX_MAX_ATTEMPTS = _int("OUTBOX_MAX_ATTEMPTS", s.OUTBOX_MAX_ATTEMPTS)
        s.OUTBOX_RETRY_BASE_SECONDS = _float("OUTBOX_RETRY_BASE_SECONDS", s.OUTBOX_RETRY_BASE_SECONDS)
        s.OUTBOX_RETRY_MAX_SECONDS = _float("OUTBOX_RETRY_MAX_SECONDS", s.OUTBOX_RETRY_MAX_SECONDS)
        s.OUTBOX_SWEEP_SECONDS = _float("OUTBOX_SWEEP_SECONDS", s.OUTBOX_SWEEP_SECONDS)
        s.OUTBOX_SWEEP_BATCH = _int("OUTBOX_SWEEP_BATCH", s.OUTBOX_SWEEP_BATCH)
        s.OUTBOX_SWEEP_THREADS = max(1, _int("OUTBOX_SWEEP_THREADS", s.OUTBOX_SWEEP_THREADS))
        for name in ("OUTBOX_CATCH_UP_SECONDS", "OUTBOX_IN_FLIGHT_SECONDS", "OUTBOX_RESEND_WINDOW_SECONDS"):
            setattr(s, name, _float(name, getattr(s, name)))
        _check_messages(s)
        return s

    def check_production(self) -> None:
        """Refuse to run in production with anything embedded, defaulted or sandboxed."""
        if self.APP_ENV != "production":
            return
        missing = [name for name in PRODUCTION_REQUIRED if not getattr(self, name)]
        if missing:
            raise ConfigError("APP_ENV=production but these variables are not set: " + ", ".join(missing))

    def to_flask(self) -> dict:
        instance = INSTANCE_DIR
        db_url = self.DATABASE_URL or f"sqlite:///{instance / 'yidian.db'}"
        if db_url.startswith("postgresql://"):
            db_url = "postgresql+psycopg://" + db_url[len("postgresql://") :]
        secret = self.SECRET_KEY or "dev-only-secret-key-change-me"
        conf = {k: v for k, v in vars(self).items() if k != "extra"}
        conf.update(
            SECRET_KEY=secret,
            SQLALCHEMY_DATABASE_URI=db_url,
            SQLALCHEMY_ENGINE_OPTIONS=_engine_options(db_url),
            JSON_AS_ASCII=False,
            WECHAT_SANDBOX=self.sandbox,
            INSTANCE_DIR=str(instance),
        )
        if self.APP_ENV != "production":
            conf["WECHAT_OA_TOKEN"] = self.WECHAT_OA_TOKEN or SANDBOX_OA_TOKEN
            conf["WECHAT_OA_AES_KEY"] = self.WECHAT_OA_AES_KEY or SANDBOX_OA_AES_KEY
            conf["WECHAT_OA_APPID"] = self.WECHAT_OA_APPID or SANDBOX_OA_APPID
        conf.update(self.extra)
        return conf

    @property
    def sandbox(self) -> bool:
        """Sandbox mode: no mini-program credentials outside production."""
        return self.APP_ENV != "production" and not (self.WECHAT_MP_APPID and self.WECHAT_MP_SECRET)


def running_server() -> dict[str, str]:
    """What RUN_FILE records, when the `make run` that wrote it is still running; else nothing."""
    try:
        recorded = json.loads(RUN_FILE.read_text(encoding="utf-8"))
        os.kill(int(recorded["pid"]), 0)
    except (OSError, ValueError, KeyError, TypeError):  # no file, unreadable, or its server has stopped
        return {}
    return {k: str(recorded[k]) for k in RUN_FILE_KEYS if isinstance(recorded.get(k), str)}


def _check_messages(s: Settings) -> None:
    """Message settings that would make every send fail are refused at start, not at send time."""
    if s.WECHAT_MP_STATE not in ("developer", "trial", "formal"):
        raise ConfigError("WECHAT_MP_STATE must be developer, trial or formal")
    if s.OUTBOX_MAX_ATTEMPTS < 1:
        raise ConfigError("OUTBOX_MAX_ATTEMPTS must be at least 1")
    if s.WECHAT_TEMPLATE_FIELDS:
        try:
            fields = json.loads(s.WECHAT_TEMPLATE_FIELDS)
        except ValueError as exc:
            raise ConfigError(f"WECHAT_TEMPLATE_FIELDS is not JSON: {exc}") from None
        if not isinstance(fields, dict) or not all(
            isinstance(m, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in m.items())
            for m in fields.values()
        ):
            raise ConfigError(
                'WECHAT_TEMPLATE_FIELDS must look like {"progress": {"number": "character_string1", ...}}'
            )


def _engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        # A file shared by several gunicorn workers and the worker process: wait for locks.
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 10}
