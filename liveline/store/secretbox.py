"""Secrets at rest: what Liveline keeps secret in Redis (VK tokens) is sealed with Fernet.

The keys come from ``LIVELINE_SECRETS_KEY``, a comma-separated list: the first seals, every one opens, so a
key is rotated by putting the new one first (what was sealed with an older key is resealed when next read).
When it is empty (the demo) a random key is kept in ``var/secrets.key`` with mode 0600, apart from the
embedded Redis's AOF (``Settings.secrets_keys``). A process configures the keys once at start
(``configure``); one that did not reads them from its settings on first use.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

PREFIX = b"fernet:"
_box: list[MultiFernet] = []
_primary: list[Fernet] = []


class SealedSecretError(Exception):
    """A sealed value none of the configured keys opens (a key was removed too early, or the wrong one)."""


def configure(keys: list[str]) -> None:
    if not keys:
        raise ValueError("no secrets key")
    fernets = [Fernet(k.strip().encode()) for k in keys if k.strip()]
    _box[:] = [MultiFernet(fernets)]
    _primary[:] = [fernets[0]]


def _configured() -> MultiFernet:
    if not _box:
        from liveline.settings import load

        configure(load().secrets_keys())
    return _box[0]


def seal(plain: str) -> bytes:
    return PREFIX + _configured().encrypt(plain.encode())


def is_sealed(value: bytes | str) -> bool:
    return (value.encode() if isinstance(value, str) else value).startswith(PREFIX)


def open_sealed(value: bytes | str) -> tuple[str, bool]:
    """(the plain text, whether it should be sealed again: plain text at rest, or sealed with an older key)."""
    raw = value.encode() if isinstance(value, str) else value
    if not raw.startswith(PREFIX):
        return raw.decode(), True
    token = raw[len(PREFIX):]
    box = _configured()
    try:
        return _primary[0].decrypt(token).decode(), False
    except InvalidToken:
        pass
    try:
        return box.decrypt(token).decode(), True
    except InvalidToken:
        raise SealedSecretError("секрет не расшифровывается ни одним ключом LIVELINE_SECRETS_KEY") from None
