"""Fuzz: signed requests. Invariant: nothing unverified acts.

The verifier never raises and accepts only an exactly signed, fresh request; a seeded batch of
mangled requests sent to the real app (HTTP mode, local Slack) is refused with 401 and posts,
journals and reviews nothing, while the correctly signed control request is acted on."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Any

import aiohttp
from botkit import BAD, FakeReviewer, running
from fakeslack.fixtures import fake_slack  # noqa: F401
from fakeslack.signing import sign
from fuzzkit import FUZZ
from hypothesis import given
from hypothesis import strategies as st
from multidict import CIMultiDict

from bot.signing import verify_request

SECRET = "fuzz-signing-secret"
NOW = 1_700_000_000

header_values = st.one_of(
    st.text(max_size=30),
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["", " ", str(NOW), f"{NOW}.0", f"-{NOW}", "0x10", "1e9", "٣"]),
)


@FUZZ
@given(
    timestamps=st.lists(header_values, max_size=3),
    signatures=st.lists(st.one_of(header_values, st.just("v0=" + "0" * 64)), max_size=3),
    body=st.binary(max_size=200),
)
def test_verifier_never_raises_and_refuses_anything_mangled(
    timestamps: list[str], signatures: list[str], body: bytes
) -> None:
    headers = {"x-slack-request-timestamp": timestamps, "x-slack-signature": signatures}
    check = verify_request(SECRET, headers, body, now=lambda: NOW)
    exact = (
        len(timestamps) == 1
        and len(signatures) == 1
        and timestamps[0] == str(NOW)
        and signatures[0] == sign(SECRET, str(NOW), body)
    )
    assert bool(check) == exact


@FUZZ
@given(body=st.binary(max_size=200), skew=st.integers(-1000, 1000))
def test_a_correct_signature_is_accepted_only_inside_the_window(body: bytes, skew: int) -> None:
    ts = str(NOW + skew)
    headers = {"x-slack-request-timestamp": [ts], "x-slack-signature": [sign(SECRET, ts, body)]}
    assert bool(verify_request(SECRET, headers, body, now=lambda: NOW)) == (abs(skew) <= 300)


def _mangled(rng: random.Random, secret: str, body: bytes) -> list[tuple[str, str]]:
    now = int(time.time())
    good_ts, good_sig = str(now), sign(secret, str(now), body)
    ts_choices = ["", "x", f"{now}.5", f"-{now}", "9" * 400, f" {now}", str(now - 301), good_ts]
    sig_choices = ["", "v0=", "v0=00", good_sig.upper(), good_sig[:-1], "v1" + good_sig[2:]]
    pairs = []
    for _ in range(rng.randint(0, 2)):
        pairs.append(("X-Slack-Request-Timestamp", rng.choice(ts_choices)))
    for _ in range(rng.randint(0, 2)):
        pairs.append(("X-Slack-Signature", rng.choice([*sig_choices, good_sig])))
    ts_vals = [v for k, v in pairs if k == "X-Slack-Request-Timestamp"]
    sig_vals = [v for k, v in pairs if k == "X-Slack-Signature"]
    if ts_vals == [good_ts] and sig_vals == [good_sig]:
        pairs = [("X-Slack-Request-Timestamp", good_ts), ("X-Slack-Signature", "v0=00")]
    return pairs


async def test_nothing_unverified_acts_end_to_end(fake_slack: Any, tmp_path: Path) -> None:  # noqa: F811
    fake = fake_slack
    reviewer = FakeReviewer()
    rng = random.Random(8)
    async with running(fake, tmp_path, "http", reviewer) as h:
        url = fake.new_response_url("C0GENERAL")
        body = json.dumps(
            {
                "type": "event_callback",
                "response_url": url,
                "user_id": "U0AUTHOR",
                "channel_id": "C0GENERAL",
                "event": {
                    "type": "app_mention",
                    "text": BAD,
                    "channel": "C0GENERAL",
                    "user": "U0AUTHOR",
                    "ts": "1.000100",
                },
            }
        ).encode()
        async with aiohttp.ClientSession() as session:
            for _ in range(40):
                headers = CIMultiDict(
                    [
                        ("Content-Type", "application/json"),
                        *_mangled(rng, fake.signing_secret, body),
                    ]
                )
                async with session.post(f"{h.url}/slack/events", data=body, headers=headers) as r:
                    assert r.status == 401
        await h.idle()
        assert [c.method for c in fake.calls if c.method != "auth.test"] == []
        assert fake.response_posts == [] and reviewer.calls == []
        assert h.bot.ctx.reporter.reported == []
