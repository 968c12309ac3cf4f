"""Who may call: the bearer token of a request, its scope and its rate limit."""

from __future__ import annotations

import time
from dataclasses import dataclass

from faust.web import Request, Response, View

from streams.api.limits import RateLimiter
from streams.api.tokens import Scope, TokenBook
from streams.settings import Settings

ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Denied:
    """A refused request: HTTP status, message and, for 429, seconds to wait.

    Args:
        status: 401, 403 or 429.
        message: why, for the JSON answer (never holds a secret).
        retry_after: whole seconds (≥ 1) for the ``Retry-After`` header of a 429.
    """

    status: int
    message: str
    retry_after: int | None = None

    def response(self, view: View) -> Response:
        """The JSON answer (``{"error": ...}``) with ``Retry-After`` when limited.

        Args:
            view: the Faust view answering.
        """
        headers = {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}
        return view.json({"error": self.message}, status=self.status, headers=headers)


class Gate:
    """Checks the token, scope and rate of requests; owned by the HTTP views of a worker.

    Args:
        tokens: the configured tokens.
        require_read: whether GET routes need a token with the ``read`` scope.
        limits: a rate limiter per limited scope (``write``, ``ingest``).
    """

    def __init__(self, tokens: TokenBook, require_read: bool,
                 limits: dict[Scope, RateLimiter]) -> None:
        self.tokens, self.require_read, self.limits = tokens, require_read, limits

    @classmethod
    def from_settings(cls, s: Settings) -> Gate:
        """The gate the settings describe.

        Args:
            s: validated settings.
        """
        return cls(s.api_tokens(), s.api_require_read_token,
                   {"write": RateLimiter(s.api_write_rate, s.api_write_burst),
                    "ingest": RateLimiter(s.api_intake_rate, s.api_intake_burst)})

    def authorize(self, authorization: str | None, scope: Scope, now: float) -> str | Denied:
        """The name of the caller's token, or why the request is refused.

        403 when no token has the scope (the routes are disabled) or the caller's
        token lacks it, 401 for a missing or unknown token, 429 past the token's rate.
        A read without ``require_read`` is allowed as ``anonymous``.

        Args:
            authorization: the ``Authorization`` header (``Bearer <token>``), or ``None``.
            scope: what the route needs.
            now: monotonic seconds, for the rate limit.
        """
        if scope == "read" and not self.require_read:
            return ANONYMOUS
        if not self.tokens.allows(scope):
            return Denied(403, f"disabled: no API token with the {scope!r} scope is configured")
        kind, _, given = (authorization or "").partition(" ")
        token = self.tokens.identify(given.strip()) if kind.lower() == "bearer" else None
        if token is None:
            return Denied(401, "missing or wrong bearer token")
        if scope not in token.scopes:
            return Denied(403, f"token {token.name!r} lacks the {scope!r} scope")
        limiter = self.limits.get(scope)
        wait = None if limiter is None else limiter.retry_after(token.name, now)
        if wait is not None:
            return Denied(429, f"rate limit of token {token.name!r} for {scope!r} exceeded",
                          retry_after=wait)
        return token.name

    def check(self, request: Request, scope: Scope) -> str | Denied:
        """:meth:`authorize` for a Faust request, at the current monotonic time.

        Args:
            request: the HTTP request.
            scope: what the route needs.
        """
        return self.authorize(request.headers.get("Authorization"), scope, time.monotonic())
