"""``GET /api/v1/brands`` pages: cursor order, sizes, refused limits and cursors."""

from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Any

import pytest

from streams.api.routes import PAGE_DEFAULT, brand_page
from streams.wire.states import BrandStateView
from streams.wire.topics import TopicNames
from streams.wire.views import TopicView


class TestBrandPage:
    def _rt(self, n: int) -> Any:
        names = TopicNames("")
        view = TopicView(["127.0.0.1:1"], [names.state, names.control], 1)
        for i in range(n):
            brand = f"b{i:04d}"
            view.data[names.state][brand] = BrandStateView(
                brand=brand, state="normal", paused=False, updated_at=datetime.now(timezone.utc))
        return SimpleNamespace(view=view, names=names)

    def test_pages_follow_the_cursor_to_the_end(self):
        """Walking ``next`` lists every brand once, in order, in pages of ``limit``."""
        rt = self._rt(25)
        seen, cursor, pages = [], None, 0
        while True:
            page = brand_page(rt, "10", cursor)
            pages += 1
            seen += [b.brand for b in page.brands]
            assert page.total == 25 and page.count == len(page.brands) <= 10
            cursor = page.next
            if cursor is None:
                break
        assert pages == 3 and seen == sorted(seen) and len(set(seen)) == 25

    def test_default_page_size(self):
        """Without ``limit`` a page holds PAGE_DEFAULT brands."""
        page = brand_page(self._rt(PAGE_DEFAULT + 5), None, None)
        assert page.count == PAGE_DEFAULT and page.next is not None

    @pytest.mark.parametrize("limit,cursor", [("0", None), ("x", None), ("100000", None),
                                              ("5", "Not A Slug")])
    def test_bad_limit_or_cursor_is_refused(self, limit, cursor):
        """A bad limit or cursor is a ValueError naming it (400 over HTTP)."""
        with pytest.raises(ValueError):
            brand_page(self._rt(3), limit, cursor)
