"""The one bounded-number parser shared by the bot's settings and the hosted-inference settings."""

from __future__ import annotations

import pytest

from analyzers.bounds import BoundedParser
from analyzers.remote.config import RemoteConfig, RemoteConfigError
from bot.settings import Settings, SettingsError


def parse(raw: dict[str, str]) -> tuple[BoundedParser, list[str]]:
    problems: list[str] = []
    return BoundedParser(lambda k: raw.get(k), problems), problems


@pytest.mark.parametrize(
    ("raw", "value", "problem"),
    [
        (None, 4, None),
        ("7", 7, None),
        (" 8 ", 8, None),
        ("2.5", 4, "N='2.5' is not a whole number"),
        ("0", 4, "N=0 must be between 1 and 256"),
        ("1e9", 4, "N='1e9' is not a whole number"),
    ],
)
def test_integers(raw: str | None, value: int, problem: str | None) -> None:
    p, problems = parse({} if raw is None else {"N": raw})
    assert p.integer("N", 4, 1, 256) == value
    assert problems == ([] if problem is None else [problem])


@pytest.mark.parametrize("raw", ["nan", "inf", "-inf", "soon"])
def test_numbers_refuse_nan_infinity_and_words(raw: str) -> None:
    p, problems = parse({"T": raw})
    assert p.number("T", 10.0, 0.1, 600.0) == 10.0
    assert len(problems) == 1
    assert problems[0] in (f"T={raw!r} is not a number", f"T={raw} must be between 0.1 and 600")


def test_the_bot_and_the_remote_settings_word_problems_the_same_way() -> None:
    env = {"BRANDBOT_REMOTE_CONCURRENCY": "0", "BRANDBOT_REMOTE_TIMEOUT": "soon"}
    with pytest.raises(RemoteConfigError) as remote:
        RemoteConfig.from_env(env)
    with pytest.raises(SettingsError) as bot:
        Settings.from_env({**env, "BRANDBOT_WORKERS": "0"}, dotenv_path=None, require_tokens=False)
    expected = [
        "BRANDBOT_REMOTE_TIMEOUT='soon' is not a number",
        "BRANDBOT_REMOTE_CONCURRENCY=0 must be between 1 and 256",
    ]
    assert remote.value.problems == expected
    assert "BRANDBOT_WORKERS=0 must be between 1 and 256" in bot.value.problems
    assert set(expected) <= set(bot.value.problems)
