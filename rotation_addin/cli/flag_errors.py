"""Say an engine error in the words the user typed: the flag, and the range in its units.

The engine names its own fields (``stop_price_usd``, ``risk_fraction``) and fractions
(``0.03``); on the command line the user typed ``--stop 7.90`` and ``--risk 5%``. This
module rewrites an :class:`InputError` for the command line only (the core messages stay as
they are, the UDFs and the app show them in their own terms):

``stop_price_usd: must be below entry 7.5 for a long (got 7.9)`` becomes
``--stop: must be below --entry 7.50 for a long (got 7.90)``; ``risk_fraction: must be <= the
hard cap max_risk_fraction 0.03 (got 0.05)`` becomes ``--risk: at most 3 % unless --max-risk
is raised (up to 10 %) (got 5 %)`` (``rotation size``; a command without ``--max-risk``
names the setting, :data:`RISK_CAP_FLAGS`); ``[0.01, 1e+13]`` becomes ``at least 0.01``.

A field is shown as a flag only when the user typed that flag (a bad value from the
settings file keeps its settings name). :data:`FIELD_FLAGS` is the one field -> flag table;
:data:`COMMAND_FLAGS` overrides it per command.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath

from rotation_addin.core.errors import InputError
from rotation_addin.core.sizing import MAX_RISK_CAP_FRACTION

PERCENT, USD, PLAIN = "%", "USD", ""
#: Upper bounds at or above this are "no upper limit" for a user (equity <= 1e13 USD).
UNBOUNDED = 1e12


@dataclass(frozen=True)
class Flag:
    """A command-line flag and how its values read (``%`` fractions, ``USD``, plain)."""

    name: str
    unit: str = PLAIN
    always: bool = False
    """Named even when not typed: the error is that it is missing (``--set``)."""
    verbatim: bool = False
    """Shown only on its own error, whose reason keeps the other field names as written
    (``--set`` lists the fields the user types after it); its field name in other
    reasons stays a word too (the ``reason`` an override needs is not ``--reason``)."""


FIELD_FLAGS: Mapping[str, Flag] = {
    "equity_usd": Flag("--equity", USD),
    "entry_price_usd": Flag("--entry", USD),
    "entry_price": Flag("--entry", USD),
    "entry": Flag("--entry", USD),
    "stop_price_usd": Flag("--stop", USD),
    "stop_price": Flag("--stop", USD),
    "stop": Flag("--stop", USD),
    "take_profit_price_usd": Flag("--take-profit", USD),
    "take_profit": Flag("--take-profit", USD),
    "risk_fraction": Flag("--risk", PERCENT),
    "max_risk_fraction": Flag("--max-risk", PERCENT),
    "taker_fee_rate": Flag("--fee", PERCENT),
    "stop_slippage_rate": Flag("--slippage", PERCENT),
    "leverage": Flag("--leverage"),
    "max_leverage": Flag("--max-leverage"),
    "maintenance_margin_rate": Flag("--mmr", PERCENT),
    "quantity_base": Flag("--quantity"),
    "quantity": Flag("--quantity"),
    "notional_usd": Flag("--notional", USD),
    "margin_usd": Flag("--margin", USD),
    "wallet_balance_usd": Flag("--wallet", USD),
    "min_notional_usd": Flag("--min-notional", USD),
    "amount_step": Flag("--step"),
    "min_amount": Flag("--min-qty"),
    "k_sigma": Flag("--k"),
    "vol_k_sigma": Flag("--k"),
    "holding_days": Flag("--holding-days"),
    "gap_buffer_fraction": Flag("--gap-buffer", PERCENT),
    "gap_buffer": Flag("--gap-buffer", PERCENT),
    "daily_vol": Flag("--daily-vol", PERCENT),
    "annual_vol": Flag("--annual-vol", PERCENT),
    "side": Flag("--side"),
    "symbol": Flag("--symbol"),
    "window": Flag("--window"),
    "horizon_days": Flag("--horizon"),
    "rebalance_every_days": Flag("--every"),
    "warmup_days": Flag("--warmup"),
    "correlation_window_days": Flag("--window"),
    "positions": Flag("--positions"),
    "journal": Flag("--journal"),
}
#: What raises the risk cap, per command: the flag where the command has one (``size``),
#: else the setting every other command reads it from (:data:`RISK_CAP_SETTING`).
RISK_CAP_FLAGS: Mapping[str, str] = {"size": "--max-risk"}
RISK_CAP_SETTING = "the max_risk_fraction setting (settings.toml, or Settings in the app)"
#: The flag that takes ``FIELD=VALUE`` (``trade correct --set price_usd=1.7``): an error on a
#: field typed after it names ``--set price_usd``.
SET_FLAG = "--set"
#: Per-command exceptions to :data:`FIELD_FLAGS` (command as typed, e.g. ``"size"``).
COMMAND_FLAGS: Mapping[str, Mapping[str, Flag]] = {
    "liq": {"quantity_base": Flag("--quantity"), "margin_usd": Flag("--margin", USD)},
    "leverage": {"maintenance_margin_rate": Flag("--mmr", PERCENT)},
    "plan": {"risk_fraction": Flag("--risk-fraction", PERCENT), "top_n_long": Flag("--top"),
             "portfolio_risk_cap_fraction": Flag("--portfolio-cap", PERCENT),
             "holding_days": Flag("--venue-days")},
    "platforms": {"notional": Flag("--notional", USD), "holding_days": Flag("--days")},
    "backtest": {"folder": Flag("--data-dir"), "start": Flag("--start"), "end": Flag("--end")},
    "workbook": {"out": Flag("--out")},
    "trade": {"changes": Flag(SET_FLAG, always=True, verbatim=True),
              "void": Flag("--void", verbatim=True), "reason": Flag("--reason", verbatim=True),
              "override": Flag("--override", verbatim=True), "entry": Flag("--price", USD),
              "date": Flag("--at", verbatim=True), "price": Flag("--price", USD, verbatim=True)},
    "journal": {"from": Flag("--from"), "to": Flag("--to")},
    "refresh": {"symbols": Flag("--symbols", verbatim=True), "since": Flag("--since",
                                                                          verbatim=True)},
    "alerts": {"threshold": Flag("--threshold"), "hysteresis": Flag("--hysteresis"),
               "unit": Flag("--unit"), "note": Flag("--note"), "limit": Flag("--limit")},
}

#: Per command, the fields only a flag of it sets (its default when not typed, never the
#: settings file): an engine error about one names the flag even when the user left it at
#: its default (``rotation backtest``'s 60-day warmup on too short data is ``--warmup``'s
#: to fix). The flag is the one :data:`FIELD_FLAGS` / :data:`COMMAND_FLAGS` give;
#: :func:`as_flag` applies it.
FLAG_ONLY_FIELDS: Mapping[str, frozenset[str]] = {
    "backtest": frozenset({"horizon_days", "rebalance_every_days", "warmup_days", "start",
                           "end"}),
}


def as_flag(error: InputError, command: str) -> InputError:
    """``error`` named after the flag of ``command`` that sets its field when that field is
    one of the command's :data:`FLAG_ONLY_FIELDS`, else ``error`` itself.

    Parameters
    ----------
    error : InputError
        An engine error (``warmup_days: the period leaves no day to trade ...``).
    command : str
        The command as typed (``"backtest"``).

    Returns
    -------
    InputError
        ``--warmup: the period leaves no day to trade ...`` (the reason unchanged).
    """
    if error.field not in FLAG_ONLY_FIELDS.get(command, frozenset()):
        return error
    flag = {**FIELD_FLAGS, **COMMAND_FLAGS.get(command, {})}[error.field]
    return InputError(flag.name, error.reason)


def typed_values(argv: Sequence[str]) -> dict[str, str]:
    """Flag -> the text the user typed after it (``--stop 7.90`` or ``--stop=7.90``)."""
    typed: dict[str, str] = {}
    for i, token in enumerate(argv):
        if not token.startswith("--"):
            continue
        name, eq, value = token.partition("=")
        if eq:
            typed[name] = value
        elif i + 1 < len(argv) and not argv[i + 1].startswith("--"):
            typed[name] = argv[i + 1]
        else:
            typed[name] = ""
    return typed


def set_values(argv: Sequence[str]) -> dict[str, str]:
    """Field -> the value typed as ``--set FIELD=VALUE`` (or ``--set=FIELD=VALUE``)."""
    typed: dict[str, str] = {}
    for i, token in enumerate(argv):
        if token == SET_FLAG and i + 1 < len(argv):
            item = argv[i + 1]
        elif token.startswith(SET_FLAG + "="):
            item = token[len(SET_FLAG) + 1:]
        else:
            continue
        name, eq, value = item.partition("=")
        if eq and name.strip():
            typed[name.strip()] = value
    return typed


def _set_flag(field: str) -> Flag:
    """``--set FIELD`` in the field's unit (USD for the ``_usd`` fields)."""
    known = FIELD_FLAGS.get(field)
    unit = known.unit if known else (USD if field.endswith("_usd") else PLAIN)
    return Flag(f"{SET_FLAG} {field}", unit, verbatim=True)


def _number_text(value: float, unit: str) -> str:
    if unit == PERCENT:
        return f"{value * 100:g} %"
    if abs(value) >= 1e6:
        return f"{value:,.0f}"
    return f"{value:g}"


class _Rewriter:
    """Rewrites one reason; knows which flags were typed and what text was typed."""

    def __init__(self, command: str, typed: Mapping[str, str],
                 set_typed: Mapping[str, str] | None = None) -> None:
        self.flags = {**FIELD_FLAGS, **COMMAND_FLAGS.get(command, {})}
        set_typed = set_typed or {}
        self.set_flags = {field: _set_flag(field) for field in set_typed}
        self.typed = {**typed, **{self.set_flags[f].name: v for f, v in set_typed.items()}}
        self.risk_cap = RISK_CAP_FLAGS.get(command, RISK_CAP_SETTING)

    def flag_for(self, field: str) -> Flag | None:
        if field in self.set_flags:
            return self.set_flags[field]
        flag = self.flags.get(field)
        return flag if flag is not None and (flag.name in self.typed or flag.always) else None

    def value(self, text: str, flag: Flag | None) -> str:
        """A number of the reason, in the flag's unit, as typed when it is the typed value."""
        try:
            number = float(text)
        except ValueError:
            return text
        unit = flag.unit if flag else PLAIN
        if flag is not None and flag.name in self.typed:
            typed = self.typed[flag.name].strip()
            as_typed = _parse_typed(typed)
            if as_typed is not None and math.isclose(as_typed, number, rel_tol=1e-12):
                if typed.endswith("%"):
                    return f"{typed[:-1].strip()} %"
                return _number_text(number, unit) if unit == PERCENT else typed
        return _number_text(number, unit)

    def rewrite(self, field: str, reason: str) -> str:
        own = self.flag_for(field)
        reason = self._risk_cap(reason, own)
        reason = self._range(reason, own)
        reason = re.sub(r"\(got ([-+0-9.eE]+|inf|nan)\)",
                        lambda m: f"(got {self.value(m.group(1), own)})", reason)
        if own is not None and own.verbatim:
            return reason

        def other(match: re.Match[str]) -> str:
            flag = self.flag_for(match.group(1))
            if flag is None:
                return match.group(0)
            number = match.group(2)
            return flag.name + (f" {self.value(number, flag)}" if number else "")

        names = "|".join(sorted((re.escape(f) for f, flag in self.flags.items()
                                 if not flag.verbatim), key=len, reverse=True))
        # a whole field name only: not the "symbol" of "--symbol" (which became "----symbol")
        # nor a word of a hyphenated name ("stop" of "stop-before-liquidation"), nor prose
        # about the thing ("before the stop fires")
        return re.sub(rf"(?<![\w-])(?<!the )({names})(?![\w-])(?: ([-+]?[0-9][0-9.eE+-]*))?",
                      other, reason)

    def _risk_cap(self, reason: str, own: Flag | None) -> str:
        match = re.fullmatch(r"must be <= the hard cap max_risk_fraction (\S+) \(got (\S+)\)",
                             reason)
        if match is None or own is None:
            return reason
        cap = _number_text(float(match.group(1)), PERCENT)
        top = _number_text(MAX_RISK_CAP_FRACTION, PERCENT)
        return (f"at most {cap} unless {self.risk_cap} is raised (up to {top}) "
                f"(got {match.group(2)})")

    def _range(self, reason: str, own: Flag | None) -> str:
        match = re.match(r"must be in ([\[(])(\S+), (\S+)([\])]) ", reason)
        if match is None:
            return reason
        low, high = float(match.group(2)), float(match.group(3))
        got = re.search(r"\(got ([-+0-9.eE]+|inf)\)", reason)
        too_high = got is not None and _parse_typed(got.group(1)) is not None and \
            float(got.group(1)) > high
        words = range_words(low, high, own.unit if own else PLAIN,
                            low_inclusive=match.group(1) == "[",
                            high_inclusive=match.group(4) == "]", too_high=too_high)
        return f"must be {words} " + reason[match.end():]


def range_words(low: float, high: float, unit: str = PLAIN, *, low_inclusive: bool = True,
                high_inclusive: bool = True, too_high: bool = False) -> str:
    """A valid interval as a refusal says it: ``(0, 1e12]`` USD is ``above 0 USD``, ``[0, 3650]``
    is ``at least 0 and at most 3650``; an upper end at or above :data:`UNBOUNDED` is no limit
    for a user, said only of a value above it (``too_high``)."""
    suffix = " USD" if unit == USD else ""
    low_word = "at least" if low_inclusive else "above"
    high_word = "at most" if high_inclusive else "below"
    if too_high and high >= UNBOUNDED:  # the only bound that matters here
        return f"{high_word} {_number_text(high, unit)}{suffix}"
    words = f"{low_word} {_number_text(low, unit)}{suffix}"
    if high < UNBOUNDED:
        words += f" and {high_word} {_number_text(high, unit)}{suffix}"
    return words


def _parse_typed(text: str) -> float | None:
    try:
        return float(text[:-1]) / 100.0 if text.endswith("%") else float(text)
    except ValueError:
        return None


def _looks_like_a_path(value: str) -> bool:
    """A typed value that names a file or folder (not ``RENDER`` or ``2%``)."""
    if not value:
        return False
    if PurePath(value).suffix or "/" in value or "\\" in value:
        return True
    try:
        return Path(value).exists()
    except (OSError, ValueError):  # a name too long, a NUL byte: not a file the user has
        return False


def _file_flag(field: str, typed: Mapping[str, str]) -> tuple[str, str] | None:
    """The flag after which the user typed the file a loader's ``field`` names, and what of
    the field is left to show.

    The data layer names a file by its path or name (``missing.csv``, ``qa5``,
    ``pos.csv line 3: quantity``): it does not know the flag. ``--macro missing.csv`` then
    reads ``--macro: file not found: missing.csv``; a line of the file stays named
    (``--positions: pos.csv line 3: quantity: ...``).
    """
    for flag, value in typed.items():
        value = value.strip()
        if not _looks_like_a_path(value):
            continue
        for name in dict.fromkeys((value, value.rstrip("/\\"), PurePath(value).name)):
            if name and field == name:
                return flag, ""
            if name and field.startswith(name + " "):
                return flag, field
    return None


def flag_of_path(path: str, argv: Sequence[str]) -> str | None:
    """The flag after which the user typed ``path`` (``--out x.html``), None if none was."""
    try:
        wanted = Path(path).resolve()
        for flag, value in typed_values(argv).items():
            if value.strip() and Path(value.strip()).expanduser().resolve() == wanted:
                return flag
    except (OSError, ValueError, RuntimeError):  # a name too long, a NUL byte, a link loop
        return None
    return None


def describe(error: InputError, command: str, argv: Sequence[str]) -> str:
    """``error`` as one line in the user's terms: ``--flag: reason in the flag's units``."""
    field = getattr(error, "field", "")
    reason = getattr(error, "reason", str(error))
    if not field or field.startswith("-"):
        return str(error)
    typed = typed_values(argv)
    rewriter = _Rewriter(command, typed, set_values(argv))
    as_file = None if field in rewriter.flags or field in rewriter.set_flags \
        else _file_flag(field, typed)
    if as_file is not None:
        flag_name, rest = as_file
        return f"{flag_name}: {rest}: {reason}" if rest else f"{flag_name}: {reason}"
    flag = rewriter.flag_for(field)
    shown = flag.name if flag else field
    return f"{shown}: {rewriter.rewrite(field, reason)}"


__all__ = ["COMMAND_FLAGS", "FIELD_FLAGS", "FLAG_ONLY_FIELDS", "RISK_CAP_FLAGS", "RISK_CAP_SETTING",
           "SET_FLAG", "Flag", "as_flag", "describe", "flag_of_path", "range_words", "set_values",
           "typed_values"]
