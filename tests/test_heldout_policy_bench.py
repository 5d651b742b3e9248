"""``bench/heldout_policy.py --policy``: the policy constants a variant names are used for the
measurement and put back afterwards; a name the policy does not have is refused."""

from __future__ import annotations

import argparse
from typing import Any

import pytest

import analyzers.policy as policy
from bench import heldout_policy


def test_a_variant_applies_while_measuring_and_is_put_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: dict[str, Any] = {}

    def measure(args: argparse.Namespace) -> dict[str, Any]:
        seen["named"] = policy.NAMED_DISPARAGE_MIN
        seen["clear"] = policy.DISPARAGE_CLEAR
        raise RuntimeError("stop here")  # the constants go back even when measuring fails

    monkeypatch.setattr(heldout_policy, "_measure", measure)
    shipped = policy.NAMED_DISPARAGE_MIN, policy.DISPARAGE_CLEAR
    with pytest.raises(RuntimeError, match="stop here"):
        heldout_policy.main(["--policy", '{"NAMED_DISPARAGE_MIN": 0.125}'])
    assert seen == {"named": 0.125, "clear": shipped[1]}
    assert shipped == (policy.NAMED_DISPARAGE_MIN, policy.DISPARAGE_CLEAR)


@pytest.mark.parametrize("name", ["NOPE", "re", "policy_findings"])
def test_a_name_the_policy_lacks_is_refused(name: str) -> None:
    with pytest.raises(SystemExit, match=f"no such constant in analyzers.policy: {name}"):
        heldout_policy.main(["--policy", f'{{"{name}": 1}}'])


def test_the_training_settings_go_back_after_measuring(monkeypatch: pytest.MonkeyPatch) -> None:
    """``_measure`` configures ``training.sentence_heads`` with the shipped flags (the seed,
    the safety head's input); a test or script that runs after it sees the settings it had."""
    from training import sentence_heads as H

    monkeypatch.setattr(H, "SAFETY_MAX", False)
    monkeypatch.setattr(H, "TORCH_SEED", 99)

    def measure(args: argparse.Namespace) -> dict[str, Any]:
        H.configure(H.parser().parse_args(list(H.SHIPPED_FLAGS)))
        assert (H.SAFETY_MAX, H.TORCH_SEED) == (True, H.SEED)
        return {}

    monkeypatch.setattr(heldout_policy, "_measure", measure)
    assert heldout_policy.main([]) == {}
    assert (H.SAFETY_MAX, H.TORCH_SEED) == (False, 99)
