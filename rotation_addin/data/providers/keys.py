"""Provider API keys (e.g. Santiment) in the OS keyring, beside the exchange keys.

Same guarantees as :mod:`rotation_addin.data.secrets`: the key is never written to a file,
logged or put into an error message. Keyring username: ``"provider:<name>:api_key"``.
"""

from __future__ import annotations

from rotation_addin.core.errors import InputError
from rotation_addin.data.secrets import KEYRING_SERVICE, _check_credential, _failure, _keyring

PROVIDERS_WITH_KEYS = ("santiment",)


def _username(provider: str) -> str:
    if provider not in PROVIDERS_WITH_KEYS:
        raise InputError("provider", f"must be one of {', '.join(PROVIDERS_WITH_KEYS)} "
                                     f"(got {provider!r})")
    return f"provider:{provider}:api_key"


def set_provider_key(provider: str, key: str) -> None:
    """Store ``key`` for ``provider`` in the OS keyring."""
    username = _username(provider)
    key = _check_credential("api_key", key)
    keyring = _keyring()
    try:
        keyring.set_password(KEYRING_SERVICE, username, key)
    except Exception as exc:
        raise _failure("store", provider, keyring, exc) from None


def get_provider_key(provider: str) -> str | None:
    """The stored key for ``provider``, or None."""
    username = _username(provider)
    keyring = _keyring()
    try:
        value = keyring.get_password(KEYRING_SERVICE, username)
    except Exception as exc:
        raise _failure("read", provider, keyring, exc) from None
    return value or None
