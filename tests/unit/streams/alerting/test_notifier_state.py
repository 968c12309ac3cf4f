"""The notifier reads ``brand.state`` as the worker publishes it: adoption, acknowledgement, resolution."""

from __future__ import annotations

import asyncio
from typing import cast

from prometheus_client import CollectorRegistry

from detectors.config import BrandConfig
from detectors.crisis.model import State
from detectors.crisis.state import BrandState
from streams.alerting.metrics import create_metrics
from streams.alerting.notifier import AlertmanagerTarget, Notifier
from streams.dev.broker import free_port
from streams.wire.messages import dumps, state_message

T0 = 1_714_564_800.0
CID = f"acme:{int(T0)}"


def published(state: str, since: float, **fields: object) -> bytes:
    """The ``brand.state`` record the worker publishes for acme (the real producer)."""
    st = BrandState.new("acme", BrandConfig())
    st.state, st.since, st.paused = cast(State, state), since, True
    st.crisis_id = CID if state == "crisis" else None
    st.last_verdict = {"negative": 40, "scored": 50, "languages": {"fi": 30}}
    st.meta.update(reason="40 negative of 50", test="negative_surge")
    for k, v in fields.items():
        setattr(st, k, v)
    return dumps(state_message(st, since + 5).wire())


def test_a_crisis_in_brand_state_is_adopted_acknowledged_and_resolved() -> None:
    """A new owner keeps Alertmanager's copy alive, silences it when acked, and ends it on normal."""
    reg = CollectorRegistry()

    async def run() -> Notifier:
        dead = f"http://127.0.0.1:{free_port()}"  # nothing listens: deliveries stay queued
        n = Notifier.from_targets([AlertmanagerTarget(url=dead)], [], create_metrics(reg),
                                  backoff=60, clock=lambda: T0 + 60)
        await n.handle_state(published("crisis", T0))
        assert list(n.active) == [CID] and n.active[CID].numbers.languages == {"fi": 30}
        alert = n.queues[0].pending[f"{CID}:alert"]
        assert alert.event == "resend" and alert.body[0]["labels"]["crisis_id"] == CID
        await n.handle_state(published("crisis", T0, acknowledged_by="ana", acknowledged_at=T0 + 30))
        assert n.active[CID].acknowledged_by == "ana" and f"{CID}:silence" in n.queues[0].pending
        await n.handle_state(published("normal", T0 + 3600))
        assert not n.active and n.queues[0].pending[f"{CID}:alert"].event == "resolved"
        await n.handle_state(b'{"brand": "acme", "state": "panic"}')
        await n.close(timeout=0.05)
        return n

    asyncio.run(run())
    assert reg.get_sample_value("firebreak_alert_events_invalid_total") == 1
