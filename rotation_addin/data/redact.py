"""Remove secrets from text that came from outside before it is printed, logged or stored.

A provider's error message is shown to the user and kept in the cache's ``refresh_log``; a
misconfigured server may echo the request's ``Authorization`` header or the key itself
(issue #18 S1). :func:`redact` replaces every secret stored in the OS keyring and anything
that looks like a credential (``Authorization: ...``, ``Apikey ...``, ``Bearer ...``,
``api_key=...``, ``X-API-KEY: ...``) with ``***``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rotation_addin.data.providers.keys import PROVIDERS_WITH_KEYS, get_provider_key
from rotation_addin.data.secrets import get_api_key
from rotation_addin.data.settings import load_settings

MASK = "***"
MIN_SECRET_CHARS = 6
"""Shorter stored values are not searched for (they would mask ordinary words)."""

_KEY_NAMES = (r"authorization|proxy-authorization|x-api-key|api[_-]?key|apikey|api[_-]?secret"
              r"|secret|access[_-]?token|token|password|x_cg_demo_api_key")
_NAMED_VALUE = re.compile(
    rf"""(?ix)(["']?(?<![\w-])(?:{_KEY_NAMES})["']?\s*[:=]\s*["']?)       # name, separator, quote
    (?:(?:apikey|bearer|basic|token)\s+)?                          # optional scheme
    [^\s"'&,;}}\]]+""")
_SCHEME_VALUE = re.compile(r"(?i)(?<![\w-])(apikey|bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}")


def known_secrets() -> list[str]:
    """Every credential stored in the OS keyring for this tool (provider and exchange keys).

    A keyring that cannot be read gives an empty list (the patterns still apply).
    """
    found: list[str] = []
    try:
        found += [k for k in (get_provider_key(p) for p in PROVIDERS_WITH_KEYS) if k]
        exchange_key = get_api_key(load_settings().exchange_id)
        if exchange_key is not None:
            found += [exchange_key.key, exchange_key.secret]
    except Exception:  # a broken keyring or settings file must not hide the message itself
        return found
    return found


def redact(text: str, secrets: Iterable[str] | None = None) -> str:
    """``text`` with credentials replaced by ``***``.

    Parameters
    ----------
    text : str
        A message from outside (provider error, exception text).
    secrets : iterable of str, optional
        Values to remove verbatim; default :func:`known_secrets` (the keyring's).
    """
    values = known_secrets() if secrets is None else list(secrets)
    for value in sorted({v for v in values if v and len(v) >= MIN_SECRET_CHARS},
                        key=len, reverse=True):
        text = text.replace(value, MASK)
    text = _NAMED_VALUE.sub(lambda m: m.group(1) + MASK, text)
    return _SCHEME_VALUE.sub(lambda m: f"{m.group(1)} {MASK}", text)
