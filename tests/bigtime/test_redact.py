"""Redaction of BigTime secrets: headers, JSON bodies, query strings, literal values."""

from __future__ import annotations

import json

import pytest

from recon.bigtime.redact import MASK, redact, redact_headers, redact_params


def test_auth_headers_are_masked_in_any_case() -> None:
    headers = {
        "X-Auth-ApiToken": "key+/abc==",
        "x-auth-token": "tok-1",
        "X-Auth-Realm": "demo-firm",
        "Accept": "application/json",
    }
    out = redact_headers(headers)
    assert out == {
        "X-Auth-ApiToken": MASK,
        "x-auth-token": MASK,
        "X-Auth-Realm": "demo-firm",  # the firm id is not a secret
        "Accept": "application/json",
    }
    assert headers["x-auth-token"] == "tok-1"  # a copy, the original is untouched


@pytest.mark.parametrize(
    "body",
    [
        {"UserId": "u@example.com", "Pwd": "s3cret"},
        {"userid": "u@example.com", "pwd": "s3cret"},
        {"USERID": "u@example.com", "PWD": "s3cret", "Firm": "f"},
    ],
)
def test_password_in_a_login_body_is_masked_whatever_the_key_case(body: dict[str, str]) -> None:
    text = redact(json.dumps(body))
    assert "s3cret" not in text
    assert "u@example.com" in text  # the user id stays: logs must say who signed in
    assert json.loads(text)[next(k for k in body if k.lower() == "pwd")] == MASK


def test_token_in_a_session_answer_is_masked() -> None:
    answer = b'{"firm": "abc3-4567-fgr4", "staffsid": 21, "token": "asdf-werq-3asdf"}'
    text = redact(answer)
    assert "asdf-werq-3asdf" not in text
    assert json.loads(text) == {"firm": "abc3-4567-fgr4", "staffsid": 21, "token": MASK}


def test_json_string_with_escaped_quotes_is_masked_whole() -> None:
    text = redact('{"Pwd": "a\\"b\\\\c", "Next": 1}')
    assert json.loads(text) == {"Pwd": MASK, "Next": 1}


def test_bare_scalar_and_cut_values_are_masked() -> None:
    assert "12345" not in redact('{"token": 12345}')
    assert "half-a-tok" not in redact('{"Other": 1, "token": "half-a-tok')  # cut excerpt


def test_query_strings_are_masked() -> None:
    text = redact("POST /session?UserId=u&Pwd=hunter2&Firm=f")
    assert "hunter2" not in text and "UserId=u" in text and "Firm=f" in text
    assert redact_params({"pwd": "hunter2", "StartDt": "2025-01-01"}) == {
        "pwd": MASK,
        "StartDt": "2025-01-01",
    }
    assert redact_params(None) == {}


def test_header_dumps_are_masked() -> None:
    text = redact("send: b'GET /client\\r\\nX-Auth-ApiToken: key+/abc==\\r\\nX-Auth-Realm: f'")
    assert "key+/abc==" not in text and "X-Auth-Realm: f" in text
    assert "tok-9" not in redact("{'X-Auth-Token': 'tok-9', 'Accept': '*/*'}")


def test_literal_secrets_are_masked_anywhere_longest_first() -> None:
    text = redact(b"free text abcdef and abc", secrets=("abc", "abcdef", ""))
    assert text == f"free text {MASK} and {MASK}"


def test_bytes_that_are_not_utf8_do_not_break_redaction() -> None:
    assert "pw" not in redact(b'\xff{"Pwd": "pw"}')
