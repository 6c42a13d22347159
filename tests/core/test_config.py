"""Configuration: embedded defaults in development, refusal to start half-configured in production."""

import os
from pathlib import Path

import pytest

from app import create_app
from app.core import config
from app.core.config import ConfigError, Settings


def test_config_production_missing_variables_named(monkeypatch):
    for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "WECHAT_MP_APPID", "WECHAT_OA_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.example/yidian")
    with pytest.raises(ConfigError) as excinfo:
        create_app()
    message = str(excinfo.value)
    for name in ("REDIS_URL", "SECRET_KEY", "WECHAT_MP_APPID", "WECHAT_OA_TOKEN"):
        assert name in message
    assert "DATABASE_URL" not in message


def test_config_production_never_sandbox(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("WECHAT_MP_APPID", raising=False)
    assert Settings.from_env().sandbox is False


def test_config_development_defaults_embedded(monkeypatch, tmp_path):
    for name in ("DATABASE_URL", "REDIS_URL", "APP_ENV", "WECHAT_MP_APPID", "WECHAT_MP_SECRET"):
        monkeypatch.delenv(name, raising=False)
    conf = Settings.from_env().to_flask()
    assert conf["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert conf["SQLALCHEMY_DATABASE_URI"].endswith("instance/yidian.db")
    assert conf["REDIS_URL"] is None
    assert conf["WECHAT_SANDBOX"] is True


def test_config_postgres_url_uses_psycopg3(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    assert Settings.from_env().to_flask()["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_instance_dir_is_the_checkouts_own_instance_folder():
    """`instance/` beside the README (gitignored, where the README says the SQLite file and embedded Redis
    live), wherever the config module sits in the package tree."""
    root = Path(__file__).resolve().parents[2]
    assert (root / "README.md").exists()
    if "INSTANCE_PATH" not in os.environ:
        assert Path(config.INSTANCE_DIR) == root / "instance"
