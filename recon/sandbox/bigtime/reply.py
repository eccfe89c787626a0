"""What an endpoint gets (:class:`Call`) and gives (:class:`Reply`), and :class:`ApiError`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from recon.sandbox.bigtime import render
from recon.sandbox.bigtime.auth import Caller

JSON = "application/json; charset=utf-8"


@dataclass(frozen=True)
class Reply:
    """One HTTP answer: status, body bytes, content type and extra headers."""

    status: int
    body: bytes
    content_type: str = JSON
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, body: bytes, status: int = 200) -> Reply:
        return cls(status, body)

    @classmethod
    def message(cls, status: int, text: str, headers: Mapping[str, str] | None = None) -> Reply:
        """BigTime's error (and delete) answer ``{"Message": text}`` (body shape UNCERTAIN)."""
        return cls(status, render.message(text), JSON, dict(headers or {}))


class ApiError(Exception):
    """An endpoint refusing a request: becomes ``status`` + ``{"Message": message}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def reply(self) -> Reply:
        return Reply.message(self.status, self.message)


def bad_request(message: str) -> ApiError:
    """A 400: BigTime answers every validation failure so (docs/specs/bigtime-rest-api.md §3)."""
    return ApiError(400, message)


@dataclass(frozen=True)
class Call:
    """One routed API request.

    ``args`` are the path placeholders (ints for ``{sid}``), ``params`` the query parameters
    with lower-cased names (BigTime matches them case-insensitively), ``body`` the raw bytes
    and ``content_type`` the media type the caller declared for them (lower case, no
    parameters; ``""`` when none).
    """

    method: str
    path: str
    args: tuple[Any, ...]
    params: Mapping[str, str]
    body: bytes
    caller: Caller | None = None
    content_type: str = ""

    def param(self, name: str) -> str | None:
        return self.params.get(name.lower())
