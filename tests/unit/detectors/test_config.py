"""Brand configuration: YAML loading, defaults, and errors that name the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from detectors.config import BrandBook, BrandConfig
from detectors.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "brands.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_listed_brands_merge_over_defaults(tmp_path: Path) -> None:
    book = BrandBook.load(write(tmp_path, """
defaults:
  calm_minutes: 30
  thresholds: {crisis_authors: 6}
brands:
  Acme:
    handles: ["@Acme", "acme_help"]
    keywords: [recall, food poisoning]
    auto_resume: true
    thresholds: {crisis_share: 0.5}
"""))
    acme = book.get("acme")
    assert acme.auto_resume and acme.calm_minutes == 30
    assert acme.handles == ("acme", "acme_help")
    assert acme.thresholds.crisis_share == 0.5 and acme.thresholds.crisis_authors == 6
    assert book.is_configured("acme") and not book.is_configured("other")
    assert book.get("unknown").calm_minutes == 30
    assert not book.get("unknown").auto_resume


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("brands:\n  acme:\n    thresholds: {crisis_share: 2}\n", "brands.acme.thresholds.crisis_share"),
        ("brands:\n  acme:\n    window_minutes: 1\n", "brands.acme.window_minutes"),
        ("brands:\n  acme:\n    auto_resum: true\n", "brands.acme.auto_resum"),
        ("defaults:\n  author_cap: 0\n", "defaults.author_cap"),
        ("brands:\n  acme:\n    keywords: ['']\n", "brands.acme.keywords"),
        ("brands:\n  'Not A Slug!': {}\n", "brands.Not A Slug!"),
        ("brandz: {}\n", "brandz"),
        ("brands: [1, 2]\n", "brands"),
        ("brands:\n  acme: 5\n", "brands.acme"),
    ],
)
def test_errors_name_the_field(tmp_path: Path, text: str, field: str) -> None:
    """A bad configuration fails at load with a message naming the offending field."""
    with pytest.raises(ConfigError) as info:
        BrandBook.load(write(tmp_path, text))
    assert field in str(info.value)


def test_bad_yaml_and_missing_files_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid YAML"):
        BrandBook.load(write(tmp_path, "brands: [unclosed"))
    with pytest.raises(ConfigError, match="cannot read"):
        BrandBook.load(tmp_path / "missing.yaml")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Product RECALL announced", ("recall",)),
        ("got food poisoning from the burger", ("food poisoning",)),
        ("recalled nothing", ()),
        ("Rückruf! recall and recall", ("recall",)),
    ],
)
def test_keywords_match_whole_words_case_insensitively(text: str, found: tuple[str, ...]) -> None:
    cfg = BrandConfig(keywords=("recall", "food poisoning"))
    assert cfg.match_keywords(text) == found
