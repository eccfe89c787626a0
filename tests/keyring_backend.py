"""A keyring backend for tests: entries in a JSON file named by ``RECON_TEST_KEYRING_FILE``.

In-process: ``keyring.set_keyring(FileKeyring())`` (see :func:`use_file_keyring`). In a
subprocess kernel (papermill, nbval): set ``PYTHON_KEYRING_BACKEND=
tests.keyring_backend.FileKeyring`` and ``RECON_TEST_KEYRING_FILE`` in its environment (the
project root must be importable). Without the variable the backend is not viable, so
keyring's own backend discovery never picks it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import keyring
from jaraco.classes import properties
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

ENV = "RECON_TEST_KEYRING_FILE"


def _path() -> Path:
    value = os.environ.get(ENV)
    if not value:
        raise RuntimeError(f"{ENV} is not set")
    return Path(value)


class FileKeyring(KeyringBackend):
    """Entries as ``{"service": {"username": "password"}}`` in one JSON file."""

    @properties.classproperty
    def priority(cls) -> float:
        # Viable only when chosen by name (PYTHON_KEYRING_BACKEND) with its file named:
        # keyring's discovery must never pick it up in a process that merely imported it.
        chosen = os.environ.get("PYTHON_KEYRING_BACKEND", "").endswith(".FileKeyring")
        if not (chosen and os.environ.get(ENV)):
            raise RuntimeError("FileKeyring is a test backend: select it explicitly")
        return 1

    def _load(self) -> dict[str, dict[str, str]]:
        path = _path()
        if not path.exists():
            return {}
        return json.loads(path.read_text(encoding="utf-8"))

    def _dump(self, data: dict[str, dict[str, str]]) -> None:
        _path().write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(service, {}).get(username)

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data.setdefault(service, {})[username] = password
        self._dump(data)

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if username not in data.get(service, {}):
            raise PasswordDeleteError(f"no entry {username!r} for {service!r}")
        del data[service][username]
        self._dump(data)

    def entries(self) -> dict[str, dict[str, str]]:
        """Everything stored (for assertions)."""
        return self._load()


@contextmanager
def use_keyring(backend: KeyringBackend) -> Iterator[KeyringBackend]:
    """Make ``backend`` the process's keyring for the block, then restore the previous one."""
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)
