"""Exchange API keys, stored through ``keyring`` (the OS credential store) and nowhere else.

The key and the secret are never written to a file by this package, never logged and never
put into an exception message: errors name the exchange and the keyring backend only.

Storage layout: service ``"rotation-desk"``, usernames ``"<exchange_id>:api_key"`` and
``"<exchange_id>:api_secret"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rotation_addin.core.errors import DataError, InputError

KEYRING_SERVICE = "rotation-desk"
_KEY_SUFFIX = "api_key"
_SECRET_SUFFIX = "api_secret"


@dataclass(frozen=True)
class ApiKey:
    """An exchange API key pair; ``repr``/``str`` never show the key or the secret.

    Attributes
    ----------
    exchange_id : str
        ccxt exchange id the key belongs to (``"binanceusdm"``).
    key, secret : str
        The credentials themselves (read-only keys are all Rotation Desk ever needs).
    """

    exchange_id: str
    key: str = field(repr=False)
    secret: str = field(repr=False)

    def __str__(self) -> str:
        return f"API key for {self.exchange_id} (hidden)"

    def as_ccxt_config(self) -> dict[str, str]:
        """The ``{"apiKey": ..., "secret": ...}`` mapping ccxt exchange constructors accept."""
        return {"apiKey": self.key, "secret": self.secret}


def _check_exchange_id(exchange_id: object) -> str:
    if not isinstance(exchange_id, str) or not exchange_id.isidentifier():
        raise InputError("exchange_id", f"must be a ccxt exchange id (got {exchange_id!r})")
    return exchange_id


def _check_credential(field_name: str, value: object) -> str:
    """Validate a key or secret without ever echoing its value."""
    if not isinstance(value, str):
        raise InputError(field_name, f"must be text (got {type(value).__name__})")
    if not value or value != value.strip() or any(ch.isspace() for ch in value):
        raise InputError(
            field_name, f"must be non-empty text without spaces (got {len(value)} characters)"
        )
    if len(value) > 512:
        raise InputError(field_name, f"must be at most 512 characters (got {len(value)})")
    return value


def _keyring() -> Any:
    # deferred: keyring (~40 ms, -X importtime; it probes OS backends) off CLI start-up and
    # the app's first paint
    import keyring

    return keyring


def _backend_name(keyring_module: Any) -> str:
    """The credential store in words (``"SecretService Keyring"``), never a class path."""
    try:
        backend = keyring_module.get_keyring()
        return str(getattr(backend, "name", "") or type(backend).__name__)
    except Exception:
        return "unknown"


def keyring_backend_name() -> str:
    """The OS credential store in use, in words (``"unknown"`` if it cannot be named)."""
    try:
        return _backend_name(_keyring())
    except Exception:
        return "unknown"


def _failure(action: str, exchange_id: str, keyring_module: Any, exc: Exception) -> DataError:
    """A DataError in plain words that names the action and the store, never the credential
    (nor an exception class name: the user sees this line in the app and the CLI)."""
    if type(exc).__name__ == "NoKeyringError":
        return DataError(
            f"cannot {action} the API key for {exchange_id}: this machine has no OS credential "
            "store (Secret Service, Keychain or Credential Manager); public market data needs "
            "no key. `rotation doctor` says what to install"
        )
    # the backend's own message is never shown: a careless backend may quote the secret
    reasons = {"KeyringLocked": "it is locked (unlock it, then try again)",
               "InitError": "it could not start",
               "PasswordSetError": "it refused the write",
               "PasswordDeleteError": "it refused the deletion"}
    reason = reasons.get(type(exc).__name__, "it reported an error")
    return DataError(
        f"the OS credential store ({_backend_name(keyring_module)}) could not {action} the "
        f"API key for {exchange_id}: {reason}"
    )


def set_api_key(exchange_id: str, key: str, secret: str) -> None:
    """Store ``key``/``secret`` for ``exchange_id`` in the OS keyring.

    Raises
    ------
    InputError
        Bad exchange id, or empty/whitespace credentials (the message gives only the length).
    DataError
        The keyring backend refused; the message never contains the credentials.
    """
    exchange_id = _check_exchange_id(exchange_id)
    key = _check_credential("api_key", key)
    secret = _check_credential("api_secret", secret)
    kr = _keyring()
    try:
        kr.set_password(KEYRING_SERVICE, f"{exchange_id}:{_KEY_SUFFIX}", key)
        kr.set_password(KEYRING_SERVICE, f"{exchange_id}:{_SECRET_SUFFIX}", secret)
    except Exception as exc:
        raise _failure("store", exchange_id, kr, exc) from None


def get_api_key(exchange_id: str) -> ApiKey | None:
    """Return the stored key pair for ``exchange_id``, or ``None`` if none is stored."""
    exchange_id = _check_exchange_id(exchange_id)
    kr = _keyring()
    try:
        key = kr.get_password(KEYRING_SERVICE, f"{exchange_id}:{_KEY_SUFFIX}")
        secret = kr.get_password(KEYRING_SERVICE, f"{exchange_id}:{_SECRET_SUFFIX}")
    except Exception as exc:
        raise _failure("read", exchange_id, kr, exc) from None
    if not key or not secret:
        return None
    return ApiKey(exchange_id=exchange_id, key=key, secret=secret)


def has_api_key(exchange_id: str) -> bool:
    """True when a key pair for ``exchange_id`` is stored (never returns the key)."""
    return get_api_key(exchange_id) is not None


def delete_api_key(exchange_id: str) -> bool:
    """Remove the stored key pair; return True if something was deleted."""
    exchange_id = _check_exchange_id(exchange_id)
    kr = _keyring()
    deleted = False
    for suffix in (_KEY_SUFFIX, _SECRET_SUFFIX):
        try:
            kr.delete_password(KEYRING_SERVICE, f"{exchange_id}:{suffix}")
            deleted = True
        except Exception as exc:
            if type(exc).__name__ == "PasswordDeleteError":
                continue  # nothing stored under that name
            raise _failure("delete", exchange_id, kr, exc) from None
    return deleted
