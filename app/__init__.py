"""The application factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

# Every model is registered before anything configures a mapper (some modules alias models at import).
from app import models  # noqa: F401
from app.core.config import Settings
from app.core.extensions import db, migrate

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
    app = Flask(__name__, instance_path=conf["INSTANCE_DIR"])
    app.config.update(conf)
    hops = int(conf.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    from app.core.sessions import CachedSignerSessionInterface

    app.session_interface = CachedSignerSessionInterface()
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)

    from app.core import redis_client

    redis_client.init_app(app)

    from app.stores import cache_hooks

    cache_hooks.register()

    from app.notifications import hooks

    hooks.register()

    from app.core.health import bp as health_bp
    from app.official_account.callback import bp as wechat_oa_bp
    from app.web import bp as web_bp
    from miniprogram_api import bp as mp_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(web_bp)
    app.register_blueprint(mp_bp)
    app.register_blueprint(wechat_oa_bp)

    from app.staff_web import bp as staff_web_bp
    from app.staff_web import root_bp as staff_web_root_bp

    app.register_blueprint(staff_web_bp)
    app.register_blueprint(staff_web_root_bp)

    from app.open311 import bp as open311_bp
    from app.publicity_web import bp as publicity_web_bp

    app.register_blueprint(publicity_web_bp)
    app.register_blueprint(open311_bp)

    from miniprogram_api.envelope import api_not_found_for_unknown_paths

    api_not_found_for_unknown_paths(app)

    from app.cli import register_cli

    register_cli(app)
    return app
