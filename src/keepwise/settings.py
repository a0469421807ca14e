"""Settings read from the environment (``KEEPWISE_*``) through pydantic-settings."""

from __future__ import annotations

from functools import lru_cache

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
    """

    model_config = SettingsConfigDict(env_prefix="KEEPWISE_", extra="ignore")

    db: str = DEFAULT_DB_URL
    default_currency: str = "CNY"
    import_chunk_rows: int = 50_000
    secret_key: str | None = None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings (cached; call ``get_settings.cache_clear()`` in tests)."""
    return Settings()
