"""``rotation alerts add`` refuses a symbol or sector the universe does not have: ``alerts
add price_above FOO --threshold 2`` printed ``added alert #2`` for a rule that can never fire
(no price for FOO ever reaches the evaluation), so a typo (RNDER, rendr) left the trader
believing they were watched. ``*`` and a kind without a subject are unchanged."""

from __future__ import annotations

import pytest

from rotation_addin.desk.alerts import list_rules
from tests.cli_helpers import one_line_error, run

SYMBOLS = ("RENDER, LPT, THETA, AKT, IO, GLM, RLC, ATH, FET, TAO, WLD, ARKM, VIRTUAL, FIL, AR, "
           "GRT, BCH, LTC, KAS, ETC, BTC, ETH")


@pytest.mark.parametrize(("argv", "said"), [
    (("price_above", "FOO", "--threshold", "2"),
     f"subject: must be one of the universe's symbols ({SYMBOLS}) (got 'FOO')"),
    (("divergence_fomo", "rendr", "--threshold", "2"),
     "subject: must be one of the universe's sectors (render, gpu_compute, ai_inference, "
     "ai_infra, mining, benchmark) or '*' (got 'rendr')"),
])
def test_an_unknown_subject_is_refused_and_nothing_stored(
        capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], said: str) -> None:
    code, out, err = run(capsys, "alerts", "add", *argv)
    assert (code, out) == (2, "")
    assert one_line_error(err) == f"rotation: invalid input: {said}"
    assert list_rules() == ()


def test_known_subjects_and_every_one_are_stored(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (("price_above", "render", "--threshold", "2"),
                 ("divergence_fomo", "ai_infra", "--threshold", "2"),
                 ("stop_near", "*"), ("regime_change",)):
        code, _, err = run(capsys, "alerts", "add", *argv)
        assert code == 0, err
    assert [(r.kind, r.subject) for r in list_rules()] == [
        ("price_above", "RENDER"), ("divergence_fomo", "ai_infra"), ("stop_near", "*"),
        ("regime_change", "")]
