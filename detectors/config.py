"""Brand configuration: thresholds, keywords, handles, auto-resume.

Loaded from YAML and validated at load; errors name the field, e.g.
``brands.acme.thresholds.crisis_share: Input should be less than or equal to 1``.
Brands that are not listed get the defaults (optionally overridden under
``defaults:``).

Example::

    defaults:
      window_minutes: 20
    brands:
      acme:
        handles: ["@acme", "@acme_help"]
        keywords: ["recall", "food poisoning"]
        auto_resume: false
        reach_weighting: true
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from detectors.errors import ConfigError
from detectors.events import BRAND_RE


class Thresholds(BaseModel):
    """Numbers that decide the state. Shares are fractions of the window's mentions."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_mentions: int = Field(8, ge=1, description="effective mentions in the window")
    elevated_share: float = Field(0.28, gt=0, le=1)
    elevated_share_margin: float = Field(0.12, ge=0, le=1)
    elevated_ratio: float = Field(2.0, ge=1)
    elevated_p: float = Field(1e-4, gt=0, lt=1)
    elevated_authors: int = Field(3, ge=1)
    crisis_share: float = Field(0.35, gt=0, le=1)
    crisis_share_margin: float = Field(0.15, ge=0, le=1)
    crisis_ratio: float = Field(3.0, ge=1)
    crisis_p: float = Field(3e-7, gt=0, lt=1)
    crisis_authors: int = Field(7, ge=1)
    crisis_share_p: float = Field(
        1e-2, gt=0, lt=1, description="how unusual the window's share must be for a crisis "
        "(beta-binomial tail with the brand's own swing)")
    elevated_share_p: float = Field(1e-2, gt=0, lt=1)
    drift_rise: float = Field(
        0.10, gt=0, lt=1, description="the share rise the sequential (CUSUM) test looks for")
    drift_evidence: float = Field(
        12.0, gt=0, description="nats of evidence that the share has stayed up: then a rise "
        "of elevated_share_margin is enough for a crisis")
    sudden_minutes: int = Field(5, ge=1, le=30, description="short window for sudden surges")
    sudden_authors: int = Field(4, ge=1)
    elevated_hold_minutes: int = Field(10, ge=0, le=120,
                                       description="how long the elevated test must hold")
    sudden_share: float = Field(0.40, gt=0, le=1,
                                description="negative share the short window must reach")
    sudden_share_p: float = Field(1e-3, gt=0, lt=1)
    cold_start_p: float = Field(1e-5, gt=0, lt=1)
    cold_start_share: float = Field(
        0.5, gt=0, le=1, description="share that is a crisis before the brand's normal is known")
    cold_start_authors: int = Field(8, ge=1)
    calm_share_margin: float = Field(0.08, ge=0, le=1)
    keyword_ratio: float = Field(4.0, ge=1, description="keyword authors vs its everyday use")
    keyword_p: float = Field(1e-4, gt=0, lt=1)
    calm_ratio: float = Field(1.5, ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.crisis_share < self.elevated_share:
            raise ValueError("crisis_share must be >= elevated_share")
        if self.crisis_ratio < self.elevated_ratio:
            raise ValueError("crisis_ratio must be >= elevated_ratio")
        return self


class BrandConfig(BaseModel):
    """Everything the detector needs to know about one brand."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str | None = Field(None, description="display name")
    handles: tuple[str, ...] = ()
    aliases: tuple[str, ...] = Field(
        (), description="other names of the brand; like its name and handles, never sentiment")
    timezone: str = Field("UTC", description="IANA zone of the brand's audience (its rhythm)")
    keywords: tuple[str, ...] = ()
    keyword_min_authors: int = Field(3, ge=1)
    auto_resume: bool = False
    reach_weighting: bool = False
    window_minutes: int = Field(20, ge=5, le=120)
    author_cap: int = Field(2, ge=1, description="posts per author counted in a window")
    calm_minutes: int = Field(60, ge=5, le=24 * 60)
    merge_minutes: int = Field(
        360, ge=0, le=7 * 24 * 60,
        description="re-entering crisis this soon after stepping down re-opens the same crisis")
    remind_minutes: int = Field(
        240, ge=0, le=7 * 24 * 60,
        description="a crisis that lasts is re-stated to on-call this often (0: never)")
    baseline_share: float = Field(0.15, gt=0, lt=1, description="prior negative share")
    baseline_rate: float | None = Field(
        None, gt=0, description="prior mentions/minute, learned when not given"
    )
    warmup_minutes: int = Field(1440, ge=0, description="judged by share alone until then")
    thresholds: Thresholds = Thresholds()

    @field_validator("handles")
    @classmethod
    def _handles(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(h.strip().lstrip("@").lower() for h in value if h.strip())

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name such as "
                             "'Europe/Helsinki')") from None
        return value

    @field_validator("aliases")
    @classmethod
    def _aliases(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(a.strip() for a in value if a.strip())

    @field_validator("keywords")
    @classmethod
    def _keywords(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(k.strip() for k in value)
        if any(not k for k in cleaned):
            raise ValueError("keywords must not be empty strings")
        return cleaned

    @cached_property
    def keyword_re(self) -> re.Pattern[str] | None:
        """One case-insensitive pattern matching any keyword on word boundaries."""
        if not self.keywords:
            return None
        alts = "|".join(re.escape(k) for k in sorted(self.keywords, key=len, reverse=True))
        return re.compile(rf"(?<!\w)(?:{alts})(?!\w)", re.IGNORECASE)

    @cached_property
    def names_re(self) -> re.Pattern[str] | None:
        """The brand's own names, handles and aliases in a text (never sentiment)."""
        names = {*self.aliases, *self.handles, *(f"@{h}" for h in self.handles)}
        if self.name:
            names.add(self.name)
        names = {n for n in names if len(n) >= 2}
        if not names:
            return None
        alts = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        return re.compile(rf"(?<![\w@#])[@#]?(?:{alts})(?!\w)", re.IGNORECASE)

    def neutral_text(self, text: str, slug: str | None = None) -> str:
        """``text`` with the brand's names, handles and aliases (and ``slug``) masked.

        "United" is a positive word and "Monster" a negative one; in a mention of
        the brand they are only its name. Masked names become a neutral token.

        Args:
            text: the mention's text.
            slug: the brand's slug (matched too, with ``-``/``_`` read as a space).
        """
        pattern = self.names_re
        if pattern is not None:
            text = pattern.sub(" _brand_ ", text)
        if slug:
            text = _slug_re(slug).sub(" _brand_ ", text)
        return text

    def match_keywords(self, text: str) -> tuple[str, ...]:
        """Return the configured keywords found in ``text`` (lower-cased, unique)."""
        pattern = self.keyword_re
        if pattern is None:
            return ()
        return tuple(dict.fromkeys(m.group(0).lower() for m in pattern.finditer(text)))


@lru_cache(maxsize=4096)
def _slug_re(slug: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in re.split(r"[-_]+", slug) if w]
    spaced = r"[\s_-]?".join(words)
    return re.compile(rf"(?<![\w])[@#]?(?:{spaced})(?!\w)", re.IGNORECASE)


class BrandBook:
    """All brand configurations; unknown brands get the defaults.

    Args:
        brands: configured brands by slug.
        defaults: the configuration for every other brand.
    """

    def __init__(
        self, brands: Mapping[str, BrandConfig] | None = None, defaults: BrandConfig | None = None
    ) -> None:
        self.brands: dict[str, BrandConfig] = dict(brands or {})
        self.defaults = defaults or BrandConfig()

    def get(self, brand: str) -> BrandConfig:
        """The configuration of ``brand``."""
        return self.brands.get(brand, self.defaults)

    def is_configured(self, brand: str) -> bool:
        """Whether ``brand`` is listed (metrics label only these)."""
        return brand in self.brands

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "config") -> BrandBook:
        """Build from a decoded YAML/JSON document.

        Raises:
            ConfigError: naming the offending field.
        """
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ConfigError(f"{source}: top level must be a mapping")
        unknown = set(data) - {"defaults", "brands"}
        if unknown:
            raise ConfigError(f"{source}: unknown top-level field(s): {', '.join(sorted(unknown))}")
        raw_defaults = data.get("defaults") or {}
        if not isinstance(raw_defaults, dict):
            raise ConfigError(f"{source}: defaults: must be a mapping")
        defaults = _build(raw_defaults, "defaults", source)
        raw_brands = data.get("brands") or {}
        if not isinstance(raw_brands, dict):
            raise ConfigError(f"{source}: brands: must be a mapping of brand slug to settings")
        brands: dict[str, BrandConfig] = {}
        for slug, raw in raw_brands.items():
            key = str(slug).strip().lower()
            if not BRAND_RE.match(key):
                raise ConfigError(f"{source}: brands.{slug}: not a valid brand slug")
            merged = _merge(raw_defaults, raw or {})
            brands[key] = _build(merged, f"brands.{key}", source)
        return cls(brands, defaults)

    @classmethod
    def load(cls, path: str | Path) -> BrandBook:
        """Load a YAML file.

        Raises:
            ConfigError: unreadable file, bad YAML, or a field that fails validation.
        """
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML: {exc}") from None
        return cls.from_dict(data, source=str(path))


def _merge(base: Mapping[str, Any], override: Any) -> dict[str, Any]:
    if not isinstance(override, dict):
        return {"__invalid__": override}
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _build(raw: dict[str, Any], where: str, source: str) -> BrandConfig:
    if "__invalid__" in raw:
        raise ConfigError(f"{source}: {where}: must be a mapping")
    try:
        return BrandConfig.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        field = f"{where}.{loc}" if loc else where
        raise ConfigError(f"{source}: {field}: {err['msg']}") from None
