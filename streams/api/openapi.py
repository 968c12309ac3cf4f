"""The HTTP API's request and answer models and its OpenAPI 3.1 description.

``GET /openapi.json`` serves :func:`document`; the schemas come from the same
pydantic models the routes answer with (:mod:`streams.wire.flags`,
:mod:`streams.wire.states` and the models below), and the mention from
:func:`detectors.schema.mention_schema`. A test checks that every route a worker
serves is described and that live answers validate against the description.

    python -m streams.api.openapi docs/   # writes docs/openapi.json, docs/schemas/mention.schema.json
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr
from pydantic.json_schema import models_json_schema

from detectors.codec import dumps_str
from detectors.crisis.pausing import MAX_PAUSE_MINUTES
from detectors.events import BRAND_RE
from detectors.schema import mention_schema
from streams.wire.base import WireModel
from streams.wire.flags import PromotionAnswer
from streams.wire.states import BrandStateView, BrandSummary

OVERRIDE_ACTIONS = ("pause", "resume", "acknowledge")


class OverrideRequest(BaseModel):
    """The body of ``POST /api/v1/brands/{brand}/{pause|resume|acknowledge}`` (may be empty)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    by: StrictStr | None = Field(None, max_length=200,
                                 description="a note of who asked (not an identity: the token's "
                                             "name is recorded as who acted)")
    why: StrictStr = Field("", max_length=2000, description="the reason, recorded")


class PauseRequest(OverrideRequest):
    """The body of ``POST /api/v1/brands/{brand}/pause`` (may be empty)."""

    for_minutes: float | None = Field(
        None, strict=True, gt=0, le=MAX_PAUSE_MINUTES,
        description="a timed pause: after this many minutes the brand resumes on its own if "
                    "it is calm (state normal), else it stays paused; the flag says `until`")


class OverrideResult(WireModel):
    """The answer to an override: 200 once applied, 202 when not yet seen applied."""

    command_id: str
    action: str
    brand: str
    by: str = Field(description="the API token's name")
    requested_by: str | None = None
    applied: bool = Field(description="the brand's state shows the command (within 5 s)")
    promotion: PromotionAnswer


class BrandList(WireModel):
    """``GET /api/v1/brands``."""

    brands: list[BrandSummary]
    count: int


class Rejected(WireModel):
    """A mention of a batch that was refused, and why."""

    index: int
    field: str
    reason: str


class IngestResult(WireModel):
    """The answer to ``POST /api/v1/mentions``: 202 when any was accepted, else 422."""

    accepted: int
    rejected: list[Rejected]


class ApiError(WireModel):
    """Any refusal: 400, 401, 403, 404, 413, 422, 429 or 503."""

    error: str
    brand: str | None = None


ANSWERS: tuple[type[BaseModel], ...] = (BrandList, BrandStateView, PromotionAnswer,
                                        OverrideResult, IngestResult, ApiError)


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(name: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(name)}}}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): _json("ApiError", "refused; `error` says why") for c in codes}


BRAND = {"name": "brand", "in": "path", "required": True,
         "schema": {"type": "string", "pattern": BRAND_RE.pattern}}
READ_SECURITY: list[dict[str, list[str]]] = [{}, {"bearer": []}]  # a token only with api_require_read_token


def _paths() -> dict[str, Any]:
    read = {"security": READ_SECURITY}
    paths: dict[str, Any] = {
        "/": {"get": {"summary": "Faust's index page", "responses": {
            "200": {"description": "`{\"status\": \"OK\"}`",
                    "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        "/healthz": {"get": {
            "summary": "probes: live, startup, ready (default)",
            "parameters": [{"name": "probe", "in": "query", "required": False,
                            "schema": {"type": "string", "enum": ["live", "startup", "ready"]}}],
            "responses": {
                "200": {"description": "healthy for that probe",
                        "content": {"application/json": {"schema": {"type": "object"}}}},
                "503": {"description": "not (yet) healthy for that probe",
                        "content": {"application/json": {"schema": {"type": "object"}}}},
                **_errors(400)}}},
        "/metrics": {"get": {"summary": "Prometheus metrics (OpenMetrics when asked for)",
                             "responses": {"200": {"description": "exposition", "content": {
                                 "text/plain": {"schema": {"type": "string"}},
                                 "application/openmetrics-text": {"schema": {"type": "string"}}}}}}},
        "/openapi.json": {"get": {"summary": "this description", "responses": {
            "200": {"description": "OpenAPI 3.1",
                    "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        "/api/v1/brands": {"get": {"summary": "every brand with a published state", **read,
                                   "responses": {"200": _json("BrandList", "brands"),
                                                 **_errors(401, 403, 429)}}},
        "/api/v1/brands/{brand}": {"get": {
            "summary": "a brand's public state, with why", "parameters": [BRAND], **read,
            "responses": {"200": _json("BrandStateView", "the state"),
                          **_errors(400, 401, 403, 404, 429, 503)}}},
        "/api/v1/brands/{brand}/promotion": {"get": {
            "summary": "a brand's promotion pause flag", "parameters": [BRAND], **read,
            "responses": {"200": _json("PromotionAnswer", "the flag"),
                          **_errors(400, 401, 403, 429, 503)}}},
        "/api/v1/mentions": {"post": {
            "summary": "ingest a batch of mentions (token with the ingest scope)",
            "security": [{"bearer": []}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "oneOf": [{"type": "array", "items": _ref("Mention")},
                          {"type": "object", "required": ["mentions"],
                           "properties": {"mentions": {"type": "array",
                                                       "items": _ref("Mention")}}}]}}}},
            "responses": {"202": _json("IngestResult", "some accepted"),
                          "422": _json("IngestResult", "none accepted"),
                          **_errors(400, 401, 403, 413, 429)}}},
    }
    for action in OVERRIDE_ACTIONS:
        paths[f"/api/v1/brands/{{brand}}/{action}"] = {"post": {
            "summary": f"{action} (token with the write scope; recorded with the token's name)",
            "parameters": [BRAND], "security": [{"bearer": []}],
            "requestBody": {"required": False, "content": {"application/json": {
                "schema": _ref("PauseRequest" if action == "pause" else "OverrideRequest")}}},
            "responses": {"200": _json("OverrideResult", "applied"),
                          "202": _json("OverrideResult", "sent, not yet seen applied"),
                          **_errors(400, 401, 403, 413, 422, 429, 503)}}}
    return paths


def document(version: str = "") -> dict[str, Any]:
    """The OpenAPI 3.1 description of a worker's HTTP API.

    Args:
        version: the API version to state (the package version).
    """
    _, defs = models_json_schema(
        [(m, "serialization") for m in ANSWERS]
        + [(OverrideRequest, "validation"), (PauseRequest, "validation")],
        ref_template="#/components/schemas/{model}")
    schemas = dict(defs.get("$defs", {}))
    mention = {k: v for k, v in mention_schema().items() if k not in ("$schema", "$id")}
    schemas["Mention"] = mention
    return {
        "openapi": "3.1.0",
        "info": {"title": "Firebreak worker API", "version": version or "0",
                 "description": "Brand state, the promotion pause flag, overrides and mention "
                                "intake; any worker answers for any brand."},
        "paths": _paths(),
        "components": {"schemas": schemas, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer",
                       "description": "a named API token (read, write or ingest scope)"}}},
    }


def write(folder: Path) -> list[Path]:
    """Write ``openapi.json`` and ``schemas/mention.schema.json`` under ``folder``.

    Args:
        folder: the docs folder.
    """
    out = [folder / "openapi.json", folder / "schemas" / "mention.schema.json"]
    out[1].parent.mkdir(parents=True, exist_ok=True)
    for path, doc in zip(out, (document(), mention_schema()), strict=True):
        path.write_text(dumps_str(doc, indent=2) + "\n", encoding="utf-8")
    return out


if __name__ == "__main__":
    for written in write(Path(sys.argv[1] if len(sys.argv) > 1 else "docs")):
        print(written)
