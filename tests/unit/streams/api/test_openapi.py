"""GET /openapi.json: every route a worker serves is described, and the models fit it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from detectors.config import BrandConfig
from detectors.crisis.state import BrandState, override
from streams.api.openapi import document
from streams.settings import load_settings
from streams.wire.flags import PromotionAnswer
from streams.wire.messages import flag_message, state_message
from streams.worker.build import build

ROOT = Path(__file__).resolve().parents[4]
DOC = document()


def validator(name: str, doc: dict[str, Any] = DOC) -> Draft202012Validator:
    """A validator for ``#/components/schemas/<name>`` of ``doc``."""
    return Draft202012Validator({"$ref": f"#/components/schemas/{name}",
                                 "components": doc["components"]})


def served_routes() -> set[tuple[str, str]]:
    """(method, path) of every route a worker's web server would serve (HEAD aside)."""
    rt = build(load_settings())
    rt.app.web.init_server()
    return {(r.method.lower(), r.resource.canonical) for r in rt.app.web.web_app.router.routes()
            if r.method != "HEAD" and r.resource is not None}


def test_every_served_route_is_described_and_nothing_more():
    """The description and the web server list the same routes and methods."""
    described = {(method, path) for path, ops in DOC["paths"].items() for method in ops}
    assert served_routes() == described


def test_component_schemas_are_valid_json_schema():
    """Each schema in the description is itself valid (draft 2020-12, as OpenAPI 3.1 uses)."""
    for schema in DOC["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_published_description_is_the_generated_one():
    """docs/openapi.json is what the code builds (regenerate: python -m streams.api.openapi docs)."""
    assert json.loads((ROOT / "docs/openapi.json").read_text(encoding="utf-8")) == DOC


def test_what_the_worker_publishes_fits_the_answers():
    """A flag and a state as the worker builds them validate against the described answers."""
    st = BrandState.new("acme", BrandConfig())
    override(st, "pause", 1_772_420_674.0, BrandConfig(), by="ops", why="test")
    validator("PromotionAnswer").validate(PromotionAnswer.of(flag_message(st, 1_772_420_680.0)).wire())
    validator("BrandStateView").validate(state_message(st, 1_772_420_680.0).wire())


@pytest.mark.parametrize("bad", [{"brand": "acme"}, {"brand": "acme", "known": True, "paused": "no",
                                                     "updated_at": "2026-03-02T03:04:34Z"}])
def test_answers_missing_fields_do_not_validate(bad):
    """The description is strict enough to catch a broken answer."""
    assert not validator("PromotionAnswer").is_valid(bad)
