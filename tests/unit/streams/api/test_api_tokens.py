"""Named API tokens, their scopes, the tokens file and the gate that checks requests."""

from __future__ import annotations

import json
import logging

import pytest
from pydantic import SecretStr

from detectors.errors import ConfigError
from streams.api.auth import ANONYMOUS, Denied, Gate
from streams.api.limits import RateLimiter
from streams.api.tokens import SCOPES, load_tokens
from streams.settings import load_settings

OPS = "ops-secret-0123456789"
FEEDER = "feeder-secret-0123456789"
TOKENS = {"ops": {"token": OPS, "scopes": ["read", "write"]},
          "feeder": {"token": FEEDER, "scopes": ["ingest"]}}


@pytest.fixture
def tokens_file(tmp_path):
    path = tmp_path / "tokens.json"
    path.write_text(json.dumps(TOKENS))
    return path


def gate(tokens_file=None, default="legacy-token", require_read=False, rate=1000.0, burst=1000):
    book = load_tokens(SecretStr(default) if default else None, tokens_file)
    limits = {"write": RateLimiter(rate, burst), "ingest": RateLimiter(rate, burst)}
    return Gate(book, require_read, limits)


class TestTokensFile:
    def test_the_single_api_token_is_default_with_every_scope(self):
        """FIREBREAK_API_TOKEN alone keeps working, as the token named 'default'."""
        book = load_tokens(SecretStr("legacy-token"), None)
        (t,) = book.tokens
        assert t.name == "default" and t.scopes == frozenset(SCOPES)
        assert book.identify("legacy-token") is t and book.identify("legacy-tokeN") is None

    def test_file_tokens_have_their_names_and_scopes(self, tokens_file):
        """Each file entry is a token with its own name and only its scopes."""
        book = load_tokens(None, tokens_file)
        ops, feeder = book.identify(OPS), book.identify(FEEDER)
        assert ops is not None and ops.name == "ops" and ops.scopes == {"read", "write"}
        assert feeder is not None and feeder.scopes == {"ingest"}
        assert book.identify("") is None and book.identify(OPS[:-1]) is None

    def test_yaml_files_are_read_too(self, tmp_path):
        """A .yaml tokens file is read like the JSON one."""
        path = tmp_path / "tokens.yaml"
        path.write_text(f"ops:\n  token: {OPS}\n  scopes: [write]\n")
        assert load_tokens(None, path).identify(OPS).scopes == {"write"}

    @pytest.mark.parametrize("content, field", [
        ({"ops": {"token": OPS, "scopes": ["admin"]}}, "ops.scopes.0"),
        ({"ops": {"token": OPS, "scopes": []}}, "ops.scopes"),
        ({"ops": {"token": "short", "scopes": ["read"]}}, "ops.token"),
        ({"ops": {"scopes": ["read"]}}, "ops.token"),
        ({"ops": {"token": OPS, "scopes": ["read"], "role": "x"}}, "ops.role"),
        ({"ops": {"token": OPS, "scopes": ["read"]}, "two": {"token": OPS, "scopes": ["read"]}},
         "two.token"),
        ({"bad name": {"token": OPS, "scopes": ["read"]}}, "'bad name'"),
        ({"default": {"token": OPS, "scopes": ["read"]}}, "'default'"),
        (["not", "a", "mapping"], "$"),
    ])
    def test_a_bad_file_is_a_config_error_naming_the_field(self, tmp_path, content, field):
        """Every kind of bad entry fails loading with the token and field in the message."""
        path = tmp_path / "tokens.json"
        path.write_text(json.dumps(content))
        with pytest.raises(ConfigError) as info:
            load_tokens(SecretStr("legacy-token"), path)
        assert f"{field}:" in str(info.value) and OPS not in str(info.value)

    def test_a_file_that_is_not_json_is_a_config_error(self, tmp_path):
        """Broken JSON is reported as such, with the file name."""
        path = tmp_path / "tokens.json"
        path.write_text("{nope")
        with pytest.raises(ConfigError, match="tokens.json: not valid JSON"):
            load_tokens(None, path)


class TestSettings:
    def test_a_bad_tokens_file_stops_start_up_naming_the_setting(self, monkeypatch, tmp_path):
        """load_settings fails on a bad tokens file, naming FIREBREAK_API_TOKENS_FILE."""
        path = tmp_path / "t.json"
        path.write_text(json.dumps({"ops": {"token": OPS, "scopes": ["root"]}}))
        monkeypatch.setenv("FIREBREAK_API_TOKENS_FILE", str(path))
        with pytest.raises(ConfigError, match=r"FIREBREAK_API_TOKENS_FILE \(api_tokens_file\): "
                                              r".*ops\.scopes\.0"):
            load_settings()

    def test_a_missing_tokens_file_stops_start_up(self, monkeypatch, tmp_path):
        """A tokens file that does not exist is a start-up error, not open access."""
        monkeypatch.setenv("FIREBREAK_API_TOKENS_FILE", str(tmp_path / "none.json"))
        with pytest.raises(ConfigError, match="FIREBREAK_API_TOKENS_FILE"):
            load_settings()

    def test_writes_are_enabled_only_by_a_write_token(self, monkeypatch, tmp_path):
        """A file with only an ingest token does not enable overrides."""
        path = tmp_path / "t.json"
        path.write_text(json.dumps({"feeder": TOKENS["feeder"]}))
        monkeypatch.setenv("FIREBREAK_API_TOKENS_FILE", str(path))
        assert not load_settings().writes_enabled()
        monkeypatch.setenv("FIREBREAK_API_TOKEN", "legacy-token")
        assert load_settings().writes_enabled()

    def test_secrets_are_not_in_the_settings_repr(self, monkeypatch, tokens_file):
        """Neither the token file's secrets nor the single token show in repr or str."""
        monkeypatch.setenv("FIREBREAK_API_TOKENS_FILE", str(tokens_file))
        s = load_settings()
        shown = repr(s) + str(s) + repr(s.api_tokens().tokens)
        assert OPS not in shown and FEEDER not in shown

    @pytest.mark.parametrize("name, value", [("API_WRITE_RATE", "0"), ("API_INTAKE_BURST", "0")])
    def test_impossible_rate_limits_are_rejected(self, monkeypatch, name, value):
        """A rate of 0 or a burst of 0 is a settings error naming the variable."""
        monkeypatch.setenv(f"FIREBREAK_{name}", value)
        with pytest.raises(ConfigError, match=f"FIREBREAK_{name}"):
            load_settings()


class TestGate:
    @pytest.mark.parametrize("header, scope, expected", [
        (f"Bearer {OPS}", "write", "ops"),
        (f"bearer  {OPS} ", "write", "ops"),
        (f"Bearer {FEEDER}", "ingest", "feeder"),
        ("Bearer legacy-token", "write", "default"),
        ("Bearer legacy-token", "ingest", "default"),
        (f"Bearer {FEEDER}", "write", 403),
        (f"Bearer {OPS}", "ingest", 403),
        ("Bearer wrong", "write", 401),
        (OPS, "write", 401),
        (f"Basic {OPS}", "write", 401),
        (None, "ingest", 401),
    ])
    def test_authorize_returns_the_token_name_or_refuses(self, tokens_file, header, scope,
                                                         expected):
        """The token's name when it has the scope; 403 for the wrong scope, 401 for no token."""
        got = gate(tokens_file).authorize(header, scope, now=0.0)
        if isinstance(expected, str):
            assert got == expected
        else:
            assert isinstance(got, Denied) and got.status == expected

    def test_wrong_scope_message_names_the_token_not_its_secret(self, tokens_file):
        """A 403 says which token lacks which scope, and never shows a secret."""
        got = gate(tokens_file).authorize(f"Bearer {FEEDER}", "write", now=0.0)
        assert isinstance(got, Denied) and "'feeder'" in got.message and FEEDER not in got.message

    def test_without_any_token_for_a_scope_its_routes_are_disabled(self):
        """No token configured at all: writes and intake are 403, as before."""
        g = gate(default=None)
        for scope in ("write", "ingest"):
            got = g.authorize("Bearer whatever", scope, now=0.0)
            assert isinstance(got, Denied) and got.status == 403 and "disabled" in got.message

    def test_reads_are_open_unless_required(self, tokens_file):
        """GET routes need no token by default; with require_read only a read token passes."""
        assert gate(tokens_file).authorize(None, "read", now=0.0) == ANONYMOUS
        strict = gate(tokens_file, require_read=True)
        assert strict.authorize(f"Bearer {OPS}", "read", now=0.0) == "ops"
        assert strict.authorize(None, "read", now=0.0).status == 401
        assert strict.authorize(f"Bearer {FEEDER}", "read", now=0.0).status == 403

    def test_past_the_rate_a_token_gets_429_with_retry_after(self, tokens_file):
        """After `burst` writes at once the next is 429 with whole seconds to wait; others pass."""
        g = gate(tokens_file, rate=0.5, burst=2)
        assert [g.authorize(f"Bearer {OPS}", "write", now=5.0) for _ in range(2)] == ["ops"] * 2
        got = g.authorize(f"Bearer {OPS}", "write", now=5.0)
        assert isinstance(got, Denied) and got.status == 429 and got.retry_after == 2
        assert g.authorize("Bearer legacy-token", "write", now=5.0) == "default"
        assert g.authorize(f"Bearer {OPS}", "write", now=7.0) == "ops"

    def test_refused_tokens_use_no_budget(self, tokens_file):
        """Wrong-scope requests do not spend the rate of the token's other scopes."""
        g = gate(tokens_file, rate=0.001, burst=1)
        for _ in range(5):
            g.authorize(f"Bearer {FEEDER}", "write", now=0.0)
        assert g.authorize(f"Bearer {FEEDER}", "ingest", now=0.0) == "feeder"

    def test_nothing_is_logged_with_a_secret(self, tokens_file, caplog):
        """Loading and checking tokens logs no secret."""
        with caplog.at_level(logging.DEBUG):
            g = gate(tokens_file)
            g.authorize(f"Bearer {OPS}", "write", now=0.0)
            g.authorize(f"Bearer {OPS}x", "write", now=0.0)
        assert OPS not in caplog.text
