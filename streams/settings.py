"""Worker settings: one frozen pydantic-settings model, validated at start-up.

Sources, strongest first: explicit overrides (command-line flags), environment
variables ``FIREBREAK_*`` (e.g. ``FIREBREAK_BROKERS``, ``FIREBREAK_API_TOKEN``),
then a YAML file (``--config FILE`` or ``FIREBREAK_CONFIG``) whose keys are the
field names below. Errors name the setting, e.g.
``setting FIREBREAK_PARTITIONS (partitions): Input should be greater than or equal to 1``.
API tokens are :class:`~pydantic.SecretStr`: they are never logged or printed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from detectors.admission import DEFAULT_CAP, DEFAULT_IDLE_SECONDS
from detectors.config import BrandBook
from detectors.crisis.baseline import RhythmBaseline
from detectors.crisis.seeding import load_baselines
from detectors.errors import ConfigError
from streams.alerting.render import RUNBOOK_URL
from streams.api.tokens import TokenBook, load_tokens
from streams.wire.topics import TopicNames

ENV_PREFIX = "FIREBREAK_"


class Settings(BaseSettings):
    """Everything a worker needs; see ``docs/streaming.md`` for each setting."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="forbid")

    brokers: Annotated[tuple[str, ...], NoDecode] = Field(
        ("kafka://127.0.0.1:9092",), description="comma-separated kafka://host:port URLs")
    app_id: str = Field("firebreak", pattern=r"^[A-Za-z0-9._-]+$",
                        description="Faust app id = consumer group")
    topic_prefix: str = Field("", pattern=r"^[A-Za-z0-9._-]*$")
    partitions: int = Field(4, ge=1, le=1024, description="partitions of every topic")
    replication: int = Field(1, ge=1, le=16)
    brands_file: Path | None = Field(None, description="brand configuration YAML")
    baselines_file: Path | None = Field(
        None, description="baselines saved by `firebreak replay --save-baselines` (warm start)")
    api_token: SecretStr | None = Field(
        None, description="bearer token named 'default', every scope")
    api_tokens_file: Path | None = Field(
        None, description="named tokens with scopes (JSON or YAML; see streams/api/tokens.py)")
    api_require_read_token: bool = Field(False, description="GET routes need a 'read' token")
    api_write_rate: float = Field(5.0, gt=0, description="overrides per second per token")
    api_write_burst: int = Field(20, ge=1, description="overrides at once per token")
    api_intake_rate: float = Field(50.0, gt=0, description="intake requests per second per token")
    api_intake_burst: int = Field(100, ge=1, description="intake requests at once per token")
    alertmanager_urls: Annotated[tuple[str, ...], NoDecode] = Field(
        (), description="comma-separated Alertmanager base URLs (every one gets every alert)")
    alertmanager_username: str | None = None
    alertmanager_password: SecretStr | None = None
    webhook_urls: Annotated[tuple[SecretStr, ...], NoDecode] = Field(
        (), description="comma-separated webhook URLs (may hold tokens: never logged)")
    webhook_style: Literal["generic", "slack"] = Field(
        "generic", description="how webhook_urls are laid out: generic JSON or Slack Block Kit")
    slack_webhook_urls: Annotated[tuple[SecretStr, ...], NoDecode] = Field(
        (), description="comma-separated Slack incoming-webhook URLs (secret: never logged)")
    teams_webhook_urls: Annotated[tuple[SecretStr, ...], NoDecode] = Field(
        (), description="comma-separated Microsoft Teams Workflows webhook URLs (secret)")
    dashboard_url: str | None = Field(None, pattern=r"^https?://",
                                      description="linked from every page; {brand} is replaced")
    brand_url: str | None = Field(None, pattern=r"^https?://",
                                  description="the brand's page, linked from every page; {brand}")
    runbook_url: str = Field(RUNBOOK_URL, pattern=r"^https?://",
                             description="runbook page; the BrandCrisis alert links to #brandcrisis")
    web_host: str = "127.0.0.1"
    web_port: int = Field(6066, ge=0, le=65535)
    web_enabled: bool = True
    session_timeout: float = Field(8.0, gt=1, le=300, description="seconds (Tansu: 6-10)")
    watermark: Literal["live", "event"] = Field(
        "live", description="live: max(event time, wall clock - lateness); event: event time")
    allowed_lateness: float = Field(120.0, ge=0, description="seconds, live watermark")
    max_future: float = Field(900.0, ge=0, description="seconds a created_at may be ahead")
    batch_size: int = Field(1000, ge=1, le=100_000)
    batch_seconds: float = Field(0.1, gt=0, le=5)
    checkpoint_seconds: float = Field(1.0, gt=0, le=60, description="state write interval")
    state_publish_seconds: float = Field(
        5.0, ge=0, le=300, description="brand.state refresh per brand (changes: at once)")
    flag_refresh_seconds: float = Field(
        60.0, gt=0, description="re-publish interval of configured and non-normal brands' flags")
    flag_settle_seconds: float = Field(
        1200.0, ge=0, description="after the flag data was rebuilt from nothing (a broker reset "
                                  "or a first start), readers hold brands whose flag has not "
                                  "changed for this long (0: not at all)")
    unconfigured_brand_cap: int = Field(
        DEFAULT_CAP, ge=0, description="unconfigured brands tracked per worker; others counted only")
    unconfigured_idle_seconds: float = Field(
        DEFAULT_IDLE_SECONDS, gt=0,
        description="an idle normal unconfigured brand is forgotten after this")
    dedupe_per_brand: int = Field(1000, ge=0, le=100_000, description="ids kept per brand")
    api_max_batch: int = Field(1000, ge=1, le=100_000, description="mentions per POST")
    api_max_body_bytes: int = Field(4_000_000, ge=1024)
    max_message_bytes: int = Field(4_000_000, ge=100_000, description="fetch/produce limit")
    fetch_max_wait_ms: int = Field(
        100, ge=1, le=5000, description="consumer fetch wait; bounds latency on Tansu")
    producer_linger_ms: int = Field(10, ge=0, le=1000, description="producer batching delay")
    broker_wait_seconds: float = Field(
        15.0, gt=0, le=600, description="worker/ingest start: how long to wait for a broker")
    ready_max_lag: int = Field(1000, ge=0, description="healthz lag threshold (messages)")
    log_format: Literal["text", "json"] = Field(
        "text", description="worker logs: Faust's text lines, or one JSON object per line")
    data_dir: Path | None = Field(None, description="Faust datadir (a temp dir if unset)")

    @field_validator("brokers", "alertmanager_urls", "webhook_urls", "slack_webhook_urls",
                     "teams_webhook_urls", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(v.strip() for v in value.split(",") if v.strip())
        return value

    @field_validator("brokers")
    @classmethod
    def _brokers(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("at least one broker URL is required")
        out = []
        for url in value:
            url = url if "://" in url else f"kafka://{url}"
            if not url.startswith("kafka://") or ":" not in url[len("kafka://"):]:
                raise ValueError(f"not a kafka://host:port URL: {url!r}")
            out.append(url)
        return tuple(out)

    @field_validator("alertmanager_urls")
    @classmethod
    def _targets(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for url in value:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"not an http(s) URL: {url!r}")
        return value

    @field_validator("webhook_urls", "slack_webhook_urls", "teams_webhook_urls")
    @classmethod
    def _hooks(cls, value: tuple[SecretStr, ...]) -> tuple[SecretStr, ...]:
        for i, url in enumerate(value):  # the message never shows the URL: it is a secret
            text = url.get_secret_value()
            if not text.startswith(("http://", "https://")) or any(c.isspace() for c in text):
                raise ValueError(f"webhook URL #{i + 1} is not an http(s) URL")
        return value

    @field_validator("brands_file", "baselines_file", "api_tokens_file")
    @classmethod
    def _brands_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"no such file: {value}")
        return value

    @property
    def topics(self) -> TopicNames:
        """Topic names under :attr:`topic_prefix`."""
        return TopicNames(self.topic_prefix)

    @property
    def bootstrap(self) -> list[str]:
        """``host:port`` list for plain Kafka clients."""
        return [u[len("kafka://"):] for u in self.brokers]

    def brand_book(self) -> BrandBook:
        """Load the brand configuration (defaults when no file is set).

        Raises:
            ConfigError: the file is invalid (the message names the field).
        """
        return BrandBook.load(self.brands_file) if self.brands_file else BrandBook()

    def baselines(self) -> dict[str, RhythmBaseline]:
        """The warm-start baselines (none when no file is set).

        Raises:
            ConfigError: the file is not a baselines file of this version.
        """
        return load_baselines(self.baselines_file) if self.baselines_file else {}

    def api_tokens(self) -> TokenBook:
        """The API tokens: ``api_token`` as ``default`` and those of ``api_tokens_file``.

        Raises:
            ConfigError: the tokens file is invalid (the message names the field).
        """
        try:
            return load_tokens(self.api_token, self.api_tokens_file)
        except ConfigError as exc:
            name = f"{ENV_PREFIX}API_TOKENS_FILE (api_tokens_file)"
            raise ConfigError(f"setting {name}: {exc}") from None

    def writes_enabled(self) -> bool:
        """Whether authenticated writes are possible (a token has the ``write`` scope)."""
        return self.api_tokens().allows("write")


def load_settings(file: str | Path | None = None, **overrides: Any) -> Settings:
    """Build and validate the settings.

    Args:
        file: a YAML file of settings (else ``FIREBREAK_CONFIG`` if set).
        overrides: values that win over environment and file (``None`` ignored).

    Raises:
        ConfigError: naming the setting and what is wrong with it.
    """
    file = file or os.environ.get(f"{ENV_PREFIX}CONFIG")
    base: dict[str, Any] = {}
    if file:
        try:
            data = yaml.safe_load(Path(file).read_text(encoding="utf-8")) or {}
        except OSError as exc:
            raise ConfigError(f"{file}: cannot read: {exc.strerror}") from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"{file}: not valid YAML: {exc}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{file}: must be a mapping of setting names to values")
        env_set = {k[len(ENV_PREFIX):].lower() for k in os.environ if k.startswith(ENV_PREFIX)}
        base = {k: v for k, v in data.items() if k not in env_set}
    base.update({k: v for k, v in overrides.items() if v is not None})
    try:
        settings = Settings(**base)
    except ValidationError as exc:
        err = exc.errors()[0]
        name = ".".join(str(p) for p in err["loc"]) or "?"
        msg = err["msg"]
        raise ConfigError(f"setting {ENV_PREFIX}{name.upper()} ({name}): {msg}") from None
    settings.brand_book()  # validate the brand configuration at start-up
    settings.api_tokens()  # and the tokens file
    return settings


# variables read outside the settings model
OTHER_VARIABLES = frozenset({"CONFIG", "CACHE_DIR", "DASHBOARD_PNG"})


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """``FIREBREAK_*`` variables that no setting reads (a misspelling is otherwise silent).

    Args:
        environ: the process environment.
    """
    known = {name.upper() for name in Settings.model_fields} | OTHER_VARIABLES
    return sorted(k for k in environ if k.startswith(ENV_PREFIX) and k[len(ENV_PREFIX):] not in known)
