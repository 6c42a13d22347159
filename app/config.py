"""Configuration, read from environment variables only (and a `.env` file when present)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", Path(__file__).resolve().parent.parent / "instance"))

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


@dataclass
class Settings:
    """Typed view of the environment. `to_flask()` turns it into Flask config keys."""

    APP_ENV: str = "development"
    DATABASE_URL: str | None = None
    REDIS_URL: str | None = None
    SECRET_KEY: str | None = None
    PUBLIC_BASE_URL: str = "http://127.0.0.1:8000"
    WECHAT_API_BASE: str = DEFAULT_WECHAT_API_BASE
    WECHAT_MP_APPID: str | None = None
    WECHAT_MP_SECRET: str | None = None
    WECHAT_OA_APPID: str | None = None
    WECHAT_OA_SECRET: str | None = None
    WECHAT_OA_TOKEN: str | None = None
    WECHAT_OA_AES_KEY: str | None = None
    WECHAT_MP_VERIFY_FILE: str | None = None  # "name.txt:content" for the ordinary-link QR rule
    WECHAT_MP_STORE_PAGE: str = "pages/store/index"  # page opened by the printed mini-program code
    WECHAT_HTTP_TIMEOUT: float = 3.0  # seconds, per WeChat API request
    HOTLINE_12315: str = "12315"
    SESSION_TTL_SECONDS: int = 7 * 24 * 3600
    STORE_CACHE_TTL_SECONDS: int = 6 * 3600
    STORE_CACHE_LOCAL_TTL_SECONDS: float = 1.0
    SCAN_FLUSH_SECONDS: float = 1.0
    CREDENTIAL_EXPIRING_DAYS: int = 30
    COMPLAINTS_PER_HOUR: int = 5  # per consumer
    COMPLAINTS_PER_STORE_DAY: int = 3  # per consumer and store
    COMPLAINTS_PER_ADDRESS_HOUR: int = 10  # per client address
    UPLOAD_MAX_BYTES: int = 10 * 1024 * 1024  # per evidence photo, as received
    UPLOAD_DIR: str | None = None  # LocalStorage root; None: <instance>/uploads
    STORAGE_BACKEND: str = "local"  # see app.services.storage
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> Settings:
        try:
            from dotenv import load_dotenv

            load_dotenv(override=False)
        except ImportError:  # pragma: no cover - python-dotenv is a pinned dependency
            pass
        s = cls()
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
        s.WECHAT_HTTP_TIMEOUT = _float("WECHAT_HTTP_TIMEOUT", s.WECHAT_HTTP_TIMEOUT)
        s.CREDENTIAL_EXPIRING_DAYS = _int("CREDENTIAL_EXPIRING_DAYS", s.CREDENTIAL_EXPIRING_DAYS)
        for name in ("COMPLAINTS_PER_HOUR", "COMPLAINTS_PER_STORE_DAY", "COMPLAINTS_PER_ADDRESS_HOUR"):
            setattr(s, name, _int(name, getattr(s, name)))
        s.UPLOAD_MAX_BYTES = _int("UPLOAD_MAX_BYTES", s.UPLOAD_MAX_BYTES)
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
        conf.update(self.extra)
        return conf

    @property
    def sandbox(self) -> bool:
        """Sandbox mode: no mini-program credentials outside production."""
        return self.APP_ENV != "production" and not (self.WECHAT_MP_APPID and self.WECHAT_MP_SECRET)


def _engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        # A file shared by several gunicorn workers and the worker process: wait for locks.
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 10}
