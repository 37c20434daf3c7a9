"""Settings: one typed object, read once from the environment (prefix ``TICKETFLOW_``) by an entry point."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TICKETFLOW_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///var/ticketflow.db",
        description="SQLAlchemy URL; SQLite by default, postgresql+psycopg://… to scale",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"
    web_threads: int = Field(
        default=4,
        ge=1,
        le=256,
        description="threads per server process for requests' blocking work (anyio's default is 40): a"
        " few keep the process' threads from taking the interpreter lock from each other at every step",
    )
    hop_limit: int = Field(default=100, ge=1, description="automatic moves per step before a loop error")
    secrets_file: Path | None = Field(
        default=None, description="web-service secrets: a JSON object or NAME=value lines"
    )
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "tls"] = Field(
        default="none", description="starttls upgrades a plain connection; tls connects with TLS (465)"
    )
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    mail_from: str = Field(default="ticketflow@localhost", description="sender of notifications")
    attachment_max_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1, description="the largest file an article may carry (bytes)"
    )

    time_zone: str = Field(
        default="UTC",
        description="the desk's IANA time zone (Europe/Berlin …): monitoring counts its days in it",
    )

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"'{name}' is not an IANA time zone (e.g. Europe/Berlin, UTC)") from None
        return name

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def sqlite_path(self) -> Path | None:
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix):
            return Path(self.database_url[len(prefix) :])
        return None
