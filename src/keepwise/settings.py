"""Settings read from the environment (``KEEPWISE_*``) through pydantic-settings."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DB_URL = "sqlite:///./keepwise.db"


class Settings(BaseSettings):
    """keepwise settings.

    Attributes
    ----------
    db:
        SQLAlchemy URL of the store (``KEEPWISE_DB``). SQLite by default;
        PostgreSQL as ``postgresql+psycopg://user@host/db``.
    default_currency:
        Currency assumed for amounts without one (``KEEPWISE_DEFAULT_CURRENCY``).
    import_chunk_rows:
        Rows read and written per chunk by the importer (bounded memory).
    secret_key:
        Key that signs web session cookies (``KEEPWISE_SECRET_KEY``). When unset,
        ``keepwise serve`` on a SQLite store keeps a generated key in
        ``<store>.secret`` next to the database file; see ``docs/web.md``.
    session_idle_minutes, session_max_days:
        A signed-in session ends after this many minutes without a request, and this many
        days after sign-in however active it is (``KEEPWISE_SESSION_IDLE_MINUTES``,
        ``KEEPWISE_SESSION_MAX_DAYS``).
    login_max_failures, login_max_failures_per_address, login_window_minutes:
        Failed sign-ins allowed for one account, and from one client address, before further
        attempts are refused (429) for a while; a run of failures ends after
        ``login_window_minutes`` without one.
    login_lockout_seconds, login_lockout_max_seconds:
        How long the first refusal lasts; each further failure doubles it, up to the maximum.
    password_min_length:
        The shortest password accepted (common passwords are refused at any length).
    password_check_slots:
        Password hashes computed at the same time (argon2 uses 64 MiB each); other sign-ins
        wait their turn without holding a server thread.
    forwarded_allow_ips:
        Addresses of reverse proxies whose ``X-Forwarded-For``/``X-Forwarded-Proto`` headers
        are believed (comma-separated, ``*`` for any); ``keepwise serve --forwarded-allow-ips``.
    hsts_max_age_seconds:
        ``Strict-Transport-Security`` max-age sent on HTTPS responses (0: none).
    """

    model_config = SettingsConfigDict(env_prefix="KEEPWISE_", extra="ignore")

    db: str = DEFAULT_DB_URL
    default_currency: str = "CNY"
    import_chunk_rows: int = 50_000
    secret_key: str | None = None
    session_idle_minutes: int = Field(default=480, ge=1)
    session_max_days: float = Field(default=14, gt=0)
    login_max_failures: int = Field(default=10, ge=1)
    login_max_failures_per_address: int = Field(default=30, ge=1)
    login_window_minutes: int = Field(default=10, ge=1)
    login_lockout_seconds: int = Field(default=300, ge=1)
    login_lockout_max_seconds: int = Field(default=3600, ge=1)
    password_min_length: int = Field(default=10, ge=1, le=128)
    password_check_slots: int = Field(default=2, ge=1, le=64)
    forwarded_allow_ips: str = "127.0.0.1,::1"
    hsts_max_age_seconds: int = Field(default=31_536_000, ge=0)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings (cached; call ``get_settings.cache_clear()`` in tests)."""
    return Settings()
