"""Continuum: the application factory."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config
from .assets import register_assets
from .audit.capture import register_audit
from .database import configure_engine
from .errors import register_errors
from .extensions import csrf
from .extensions import db
from .extensions import htmx
from .extensions import login_manager
from .extensions import migrate
from .formatting import register_formatting
from .reminders import keys
from .security import install_converters
from .security import register_security

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations")


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: config in layers, then extensions, blueprints, commands and errors."""
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(config.defaults(app.instance_path))
    app.config.from_mapping(config.from_environment(os.environ))
    app.config.from_prefixed_env("CONTINUUM")
    if test_config is not None:
        app.config.from_mapping(test_config)
    config.harden(app.config)
    if app.config["TRUSTED_PROXIES"]:
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    keys.load_into(app)
    register_extensions(app)
    install_converters(app)  # before any route is added
    register_blueprints(app)
    register_commands(app)
    register_errors(app)
    register_security(app)
    register_assets(app)
    register_audit(app)
    register_formatting(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    csrf.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"


def register_blueprints(app: Flask) -> None:
    from .admin.views import bp as admin_bp
    from .audit.views import bp as audit_bp
    from .auth.views import bp as auth_bp
    from .brief.views import bp as brief_bp
    from .careteam.views import bp as careteam_bp
    from .caseload.views import bp as caseload_bp
    from .diary.views import bp as diary_bp
    from .erasure.views import bp as erasure_bp
    from .export.views import bp as export_bp
    from .health.views import bp as health_bp
    from .learn.views import bp as learn_bp
    from .library.views import bp as library_bp
    from .onboarding.views import bp as onboarding_bp
    from .outcomes.views import bp as outcomes_bp
    from .pathway.views import bp as pathway_bp
    from .privacy.views import bp as privacy_bp
    from .programmes.views import bp as programmes_bp
    from .pwa.views import bp as pwa_bp
    from .reminders.views import bp as reminders_bp
    from .sessions.views import bp as sessions_bp

    blueprints = (
        auth_bp,
        pathway_bp,
        programmes_bp,
        diary_bp,
        sessions_bp,
        careteam_bp,
        brief_bp,
        reminders_bp,
        onboarding_bp,
        library_bp,
        learn_bp,
        caseload_bp,
        outcomes_bp,
        admin_bp,
        audit_bp,
        privacy_bp,
        export_bp,
        erasure_bp,
        health_bp,
        pwa_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)


def register_commands(app: Flask) -> None:
    from .auth.commands import auth_group
    from .backup.commands import backup_group
    from .demo.commands import demo_command
    from .housekeeping.commands import clock_command
    from .housekeeping.commands import housekeeping_group
    from .learn.commands import learn_group
    from .library.commands import exercises_group
    from .reminders.commands import reminders_group

    app.cli.add_command(auth_group)
    app.cli.add_command(backup_group)
    app.cli.add_command(demo_command)
    app.cli.add_command(clock_command)
    app.cli.add_command(housekeeping_group)
    app.cli.add_command(exercises_group)
    app.cli.add_command(learn_group)
    app.cli.add_command(reminders_group)
