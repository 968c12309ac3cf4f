"""Named API tokens and their scopes.

A token has a name (who acts: recorded as ``by`` on overrides) and scopes:
``read`` (GET routes, when reads need a token), ``write`` (pause, resume,
acknowledge) and ``ingest`` (``POST /api/v1/mentions``). The single
``api_token`` setting is the token named ``default`` with every scope; a tokens
file adds more::

    {"ops": {"token": "...", "scopes": ["read", "write"]},
     "feeder": {"token": "...", "scopes": ["ingest"]}}

Secrets stay :class:`~pydantic.SecretStr` and are compared with
:func:`hmac.compare_digest`; only names ever appear in logs or answers.
"""

from __future__ import annotations

import hmac
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from detectors.errors import ConfigError

Scope = Literal["read", "write", "ingest"]
SCOPES: tuple[Scope, ...] = ("read", "write", "ingest")
DEFAULT_NAME = "default"
NAME_PATTERN = r"^[A-Za-z0-9._-]{1,64}$"


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    token: SecretStr = Field(min_length=16)
    scopes: tuple[Scope, ...] = Field(min_length=1)


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    tokens: dict[str, _Entry]


@dataclass(frozen=True)
class ApiToken:
    """One bearer token.

    Args:
        name: who holds it (recorded as the actor of an override).
        secret: the bearer token itself.
        scopes: what it allows.
    """

    name: str
    secret: SecretStr
    scopes: frozenset[Scope]


class TokenBook:
    """The configured tokens; finds the one a request presents.

    Args:
        tokens: every token (names and secrets unique).
    """

    def __init__(self, tokens: tuple[ApiToken, ...] = ()) -> None:
        self.tokens = tokens

    def __bool__(self) -> bool:
        return bool(self.tokens)

    def allows(self, scope: Scope) -> bool:
        """Whether some token has ``scope`` (else the routes needing it are disabled).

        Args:
            scope: ``read``, ``write`` or ``ingest``.
        """
        return any(scope in t.scopes for t in self.tokens)

    def identify(self, given: str) -> ApiToken | None:
        """The token whose secret is ``given``, or ``None``.

        Every secret is compared (in constant time each), so the answer's timing
        does not tell which token came close.

        Args:
            given: the bearer token of a request.
        """
        if not given:
            return None
        raw = given.encode("utf-8")
        found = None
        for t in self.tokens:
            if hmac.compare_digest(raw, t.secret.get_secret_value().encode("utf-8")):
                found = t
        return found


def load_tokens(default: SecretStr | None, path: Path | None) -> TokenBook:
    """The tokens of the settings: ``default`` (every scope) and those of ``path``.

    Args:
        default: the ``api_token`` setting (ignored when ``None`` or empty).
        path: a JSON (``.json``) or YAML tokens file, or ``None``.

    Raises:
        ConfigError: the file cannot be read or is invalid; the message names the
            token and field (never a secret).
    """
    tokens: list[ApiToken] = []
    if default is not None and default.get_secret_value():
        tokens.append(ApiToken(DEFAULT_NAME, default, frozenset(SCOPES)))
    if path is not None:
        tokens += _read_file(path)
    names: set[str] = set()
    secrets: set[str] = set()
    for t in tokens:
        if t.name in names:
            raise ConfigError(f"{path}: {t.name!r}: is the api_token setting's name; pick another")
        if t.secret.get_secret_value() in secrets:
            raise ConfigError(f"{path}: {t.name}.token: the same secret as another token")
        names.add(t.name)
        secrets.add(t.secret.get_secret_value())
    return TokenBook(tuple(tokens))


def _read_file(path: Path) -> list[ApiToken]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        kind = "JSON" if path.suffix == ".json" else "YAML"
        raise ConfigError(f"{path}: not valid {kind}: {exc}") from None
    try:
        parsed = _File(tokens=data)
    except ValidationError as exc:
        err = exc.errors(include_input=False)[0]
        where = ".".join(str(p) for p in err["loc"][1:]) or "$"
        raise ConfigError(f"{path}: {where}: {err['msg']}") from None
    out = []
    for name, entry in parsed.tokens.items():
        if re.fullmatch(NAME_PATTERN, name) is None:
            raise ConfigError(f"{path}: {name!r}: a token name is 1-64 of A-Z a-z 0-9 . _ -")
        out.append(ApiToken(name, entry.token, frozenset(entry.scopes)))
    return out

