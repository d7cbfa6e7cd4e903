"""One settings object for the whole service, read from the environment (``THIDUA_...``)."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, IPvAnyNetwork, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from thidua.domain.webhook_destinations import DestinationPolicy, SubscriptionRules

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_TOKEN_LIFETIME_DAYS = 90


class TemporalSettings(BaseModel):
    """Where the Temporal cluster is. Without ``address`` an embedded dev server is started."""

    address: str | None = None
    namespace: str = "default"
    task_queue: str = "thidua"
    # Lets several deployments (or test runs) share one namespace without id clashes.
    workflow_id_prefix: str = ""
    tls: bool = False
    tls_client_cert: Path | None = None
    tls_client_key: Path | None = None
    tls_server_ca: Path | None = None
    api_key: SecretStr | None = None
    # Embedded server (used only when ``address`` is not set).
    embedded_host: str = "127.0.0.1"
    embedded_port: int = 7233
    embedded_ui_port: int = 8233
    embedded_db: Path = Path("var/temporal.db")
    # Worker tuning: how soon a task moves off a dead worker's sticky queue.
    sticky_timeout_seconds: float = 2.0

    @property
    def target(self) -> str:
        return self.address or f"{self.embedded_host}:{self.embedded_port}"


class DatabaseSettings(BaseModel):
    url: str = "sqlite:///var/thidua.db"
    echo: bool = False


class ApiSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 8000
    # Console cookies always ``Secure`` (forced in production): for development behind TLS.
    secure_cookies: bool = False
    # Lifetime of an API token created without an explicit expiry; unset: 90 days in
    # production, no expiry in development.
    token_lifetime_days: int | None = Field(default=None, ge=1, le=3650)
    max_body_bytes: int = 1_000_000
    max_batch_body_bytes: int = 16_000_000  # POST /v1/nominations:batch (up to 1,000 items)
    # File imports (``...:import`` routes, the console's ratings screen): a 10 MB file and its form.
    max_upload_body_bytes: int = 10_600_000
    # A request without credentials (no Authorization header, no console session cookie).
    max_anonymous_body_bytes: int = 65_536
    idempotency_ttl_hours: float = 24  # after this an Idempotency-Key is new again
    requests_per_minute: int = 6000  # per account
    # Failed authentications before each further attempt waits (60 s, doubling up to 15 min):
    # per (account, address) at console sign-in, per address for API tokens.
    failed_auth_per_minute: int = 10
    failed_signins_per_address: int = 100  # any accounts: password spraying from one address
    security_events_per_minute: int = 30  # audited per event kind and actor or address
    # Reverse proxies (CIDRs) whose X-Forwarded-For is believed; none by default.
    trusted_proxies: list[str] = Field(default_factory=list)


class PasswordSettings(BaseModel):
    """Console password hashing: argon2id (RFC 9106 / OWASP: 19 MiB, 2 passes, 1 lane).
    Only tests lower these (``THIDUA_PASSWORDS__MEMORY_KIB``...)."""

    memory_kib: int = 19_456
    time_cost: int = 2
    parallelism: int = 1


class JwtSettings(BaseModel):
    """Optional bearer JWTs from an identity provider, verified locally (no network fetch)."""

    issuer: str | None = None
    audience: str | None = None
    public_key_file: Path | None = None  # PEM (RSA or EC public key)
    algorithms: list[str] = Field(default_factory=lambda: ["RS256", "ES256"])
    username_claim: str = "sub"

    @property
    def enabled(self) -> bool:
        return bool(self.issuer and self.audience and self.public_key_file)


class LifecycleSettings(BaseModel):
    """Deadlines per review stage and how often reminders are sent while a stage waits."""

    unit_review_days: float = 10
    office_review_days: float = 15
    director_review_days: float = 7
    returned_days: float = 10
    reminder_every_days: float = 3


class WebhookSettings(BaseModel):
    """Webhook destinations (against SSRF) and limits. ``allowed_networks``: CIDRs permitted
    even if private (an intranet receiver; the tests' 127.0.0.1 receivers). ``resolve_names``
    False accepts IP literals only and never looks a name up."""

    require_https: bool = True
    resolve_names: bool = True
    allowed_networks: list[IPvAnyNetwork] = Field(default_factory=list)
    max_active_per_account: int = Field(default=10, ge=1)
    max_concurrent_deliveries: int = Field(default=8, ge=1)  # the delivery worker's slots

    def policy(self) -> DestinationPolicy:
        return DestinationPolicy(
            require_https=self.require_https,
            resolve_names=self.resolve_names,
            allowed_networks=tuple(self.allowed_networks),
        )

    def rules(self) -> SubscriptionRules:
        return SubscriptionRules(self.policy(), self.max_active_per_account)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="THIDUA_", env_nested_delimiter="__", extra="ignore"
    )

    var_dir: Path = Path("var")
    temporal: TemporalSettings = Field(default_factory=TemporalSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    jwt: JwtSettings = Field(default_factory=JwtSettings)
    lifecycle: LifecycleSettings = Field(default_factory=LifecycleSettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)
    passwords: PasswordSettings = Field(default_factory=PasswordSettings)
    log_format: str = "auto"  # auto | json | console
    log_level: str = "INFO"
    # development (``make run``: sample data, demo credentials) or production (no sample data,
    # no API docs, Secure cookies, tokens expire); see README, "Profiles".
    env: Literal["development", "production"] = "development"
    load_sample_data: bool | None = None  # unset: on in development; refused in production

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def sample_data(self) -> bool:
        """Whether ``thidua up`` loads the sample Department into an empty database."""
        return not self.production if self.load_sample_data is None else self.load_sample_data

    @property
    def cookies_secure(self) -> bool:
        """Whether the console's cookies carry ``Secure`` whatever the request's scheme."""
        return self.production or self.api.secure_cookies

    @property
    def token_lifetime(self) -> timedelta | None:
        """The expiry of a token created without one (``None``: never expires)."""
        days = self.api.token_lifetime_days
        if days is None and self.production:
            days = PRODUCTION_TOKEN_LIFETIME_DAYS
        return timedelta(days=days) if days is not None else None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
