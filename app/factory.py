"""The composition root: `create_app` builds the Flask app from the environment and assembles every
package (extensions, after-commit hooks, the surfaces' blueprints, the CLI). Nothing imports this module
but `app.create_app`."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from app.cli import register_cli
from app.console import bp as console_bp
from app.core import redis_client
from app.core.config import Settings
from app.core.extensions import db, migrate
from app.core.health import bp as health_bp
from app.core.sessions import CachedSignerSessionInterface
from app.notifications import hooks as outbox_hooks
from app.official_account.callback import bp as official_account_bp
from app.open311 import bp as open311_bp
from app.publicity_web import bp as publicity_web_bp
from app.staff_web import bp as staff_web_bp
from app.staff_web import root_bp as staff_web_root_bp
from app.stores import cache_hooks as store_cache_hooks
from app.web import bp as web_bp
from app.web import error_page
from miniprogram_api import bp as miniprogram_bp
from miniprogram_api.envelope import api_not_found_for_unknown_paths

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the app from the environment; `config` (tests) overrides individual keys."""
    settings = Settings.from_env()
    if config and "APP_ENV" in config:
        settings.APP_ENV = config["APP_ENV"]
    settings.check_production()

    conf = settings.to_flask()
    conf.update(config or {})
    if not config or "WECHAT_SANDBOX" not in config:
        # Sandbox follows the effective credentials (a test may pass them in `config`); never in production.
        conf["WECHAT_SANDBOX"] = conf["APP_ENV"] != "production" and not (
            conf.get("WECHAT_MP_APPID") and conf.get("WECHAT_MP_SECRET")
        )
    app = Flask("app", instance_path=conf["INSTANCE_DIR"])
    app.config.update(conf)
    hops = int(conf.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.session_interface = CachedSignerSessionInterface()
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    redis_client.init_app(app)
    store_cache_hooks.register()
    outbox_hooks.register()

    for blueprint in (
        health_bp,
        web_bp,
        miniprogram_bp,
        official_account_bp,
        console_bp,
        publicity_web_bp,
        open311_bp,
        staff_web_bp,
        staff_web_root_bp,
    ):
        app.register_blueprint(blueprint)
    # Unknown API paths answer in the JSON envelope; every other error a person can reach is a Chinese page.
    api_not_found_for_unknown_paths(app, otherwise=error_page)
    app.register_error_handler(HTTPException, error_page)
    register_cli(app)
    return app
