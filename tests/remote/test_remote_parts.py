"""Hosted inference, piece by piece: settings, redaction maps, budget, retry parsing, the token
check and `brandbot doctor`, the manager notice, and the review carrying the backend used."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from fakehf import TOKEN, FakeHF
from model_fakes import FakePredictor, doc, make_guide

from analyzers import Draft, Review, Reviewer
from analyzers.models.pipelines import ModelSettings
from analyzers.models.suite import EmbeddedModelSuite
from analyzers.remote.budget import BudgetSpent, RequestBudget
from analyzers.remote.config import RemoteConfig, RemoteConfigError, RemoteTarget, parse_target
from analyzers.remote.hub import check_token
from analyzers.remote.redact import redact
from analyzers.remote.suite import RemoteModelSuite, load_remote_suite
from analyzers.remote.transport import estimated_time, retry_after, scrub
from bot import blocks
from bot.alerts import Alerter
from bot.jobs import TokenBucket
from bot.settings import Settings
from bot.store import Job, Store

# -- settings -------------------------------------------------------------------------------------


def test_one_setting_switches_an_analysis_to_each_backend() -> None:
    assert parse_target("") is None
    assert parse_target("distilbert-base-uncased") is None  # local transformers, as before
    assert parse_target("./models/mine") is None
    assert parse_target("hf:cardiffnlp/twitter-roberta-base-sentiment-latest") == RemoteTarget(
        "router", "cardiffnlp/twitter-roberta-base-sentiment-latest"
    )
    assert parse_target("https://x.us-east-1.aws.endpoints.huggingface.cloud/") == RemoteTarget(
        "endpoint", "https://x.us-east-1.aws.endpoints.huggingface.cloud"
    )
    assert parse_target("tei+http://tei:8080") == RemoteTarget("tei", "http://tei:8080")


def test_remote_settings_list_every_problem() -> None:
    with pytest.raises(RemoteConfigError) as err:
        RemoteConfig.from_env(
            {
                "BRANDBOT_SENTIMENT_MODEL": "hf:not a model",
                "BRANDBOT_NER_MODEL": "https://user:pw@host/x",
                "BRANDBOT_REMOTE_TIMEOUT": "soon",
                "BRANDBOT_REMOTE_DAILY_BUDGET": "-3",
                "BRANDBOT_SENTIMENT_LABELS": "LABEL_0=sad",
                "BRANDBOT_LOCAL_ONLY_CHANNELS": "#secret",
                "BRANDBOT_REMOTE_REDACT": "maybe",
            }
        )
    text = "\n".join(err.value.problems)
    for key in (
        "BRANDBOT_SENTIMENT_MODEL",
        "BRANDBOT_NER_MODEL: 'https://user:pw@host/x': put credentials in HF_TOKEN",
        "BRANDBOT_REMOTE_TIMEOUT='soon' is not a number",
        "BRANDBOT_REMOTE_DAILY_BUDGET=-3",
        "BRANDBOT_SENTIMENT_LABELS",
        "BRANDBOT_LOCAL_ONLY_CHANNELS",
        "BRANDBOT_REMOTE_REDACT",
    ):
        assert key in text, key
    assert "pw" not in text.replace("'https://user:pw@host/x'", "")
    with pytest.raises(RemoteConfigError, match="TEI serves sequence-classification"):
        RemoteConfig.from_env({"BRANDBOT_NER_MODEL": "tei+http://tei:8080"})


def test_settings_read_hf_token_from_dotenv_and_mask_it(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(f"HF_TOKEN={TOKEN}\nBRANDBOT_SENTIMENT_MODEL=hf:acme/sentiment-3\n")
    s = Settings.from_env({}, dotenv_path=env, require_tokens=False)
    assert s.remote is not None and s.remote.token == TOKEN
    assert s.remote.targets["sentiment"] == RemoteTarget("router", "acme/sentiment-3")
    assert TOKEN in s.secrets  # so the log filter masks it
    assert TOKEN not in repr(s) and TOKEN not in repr(s.remote)
    defaults = Settings.from_env({}, dotenv_path=None, require_tokens=False)
    assert defaults.remote is not None and defaults.remote.redact is True  # on by default


def test_model_settings_route_remote_specs_to_the_remote_suite(fake: FakeHF) -> None:
    settings = ModelSettings.from_env(
        {
            "BRANDBOT_SENTIMENT_MODEL": "hf:acme/sentiment-3",
            "BRANDBOT_HF_BASE_URL": fake.base_url,
            "BRANDBOT_HF_HUB_URL": fake.base_url,
            "HF_TOKEN": TOKEN,
        }
    )
    assert settings.remote is not None and settings.remote.base_url == fake.base_url
    suite = load_remote_suite(settings, settings.remote, local=EmbeddedModelSuite(FakePredictor()))
    try:
        assert suite.name.startswith("remote (sentiment=acme/sentiment-3)")
        assert suite.unavailable == {}
    finally:
        suite.close()


# -- redaction maps -------------------------------------------------------------------------------


def test_redaction_maps_spans_back_exactly() -> None:
    text = "Ask Dana Reyes at dana@x.io about Globex, or see https://x.io/a."
    name = (text.index("Dana Reyes"), text.index("Dana Reyes") + len("Dana Reyes"))
    r = redact(text, [name])
    assert r.sent == "Ask [NAME] at [EMAIL] about Globex, or see [URL]."
    at = r.sent.index("Globex")
    assert r.to_original(at, at + 6) == (text.index("Globex"), text.index("Globex") + 6)
    p = r.sent.index("[EMAIL]")
    assert r.to_original(p, p + 7) == (text.index("dana@"), text.index(" about"))
    assert r.overlaps_placeholder(p, p + 3) and not r.overlaps_placeholder(at, at + 6)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Revenue grew 12.5% in 2024-03-01 reports.", True),  # dates and numbers stay
        ("Call 555 0100 222 today.", False),
        ("Thanks <@U012ABC|sam> and <!here>.", False),
    ],
)
def test_redaction_patterns(text: str, kept: bool) -> None:
    assert (redact(text).sent == text) is kept


# -- budget and retry parsing ---------------------------------------------------------------------


def test_the_budget_resets_daily_and_alerts_once_per_day() -> None:
    day = [dt.date(2026, 1, 1)]
    alerts: list[str] = []
    b = RequestBudget(2, 0, today=lambda: day[0], on_spent=alerts.append)
    assert b.acquire() == 0 and b.acquire() == 0
    for _ in range(3):
        with pytest.raises(BudgetSpent):
            b.acquire()
    assert len(alerts) == 1 and "2026-01-01" in alerts[0]
    day[0] = dt.date(2026, 1, 2)
    assert b.acquire() == 0


def test_the_per_minute_window() -> None:
    now = [100.0]
    b = RequestBudget(0, 2, clock=lambda: now[0])
    assert b.acquire() == 0 and b.acquire() == 0
    assert b.acquire() == pytest.approx(60.0)
    now[0] = 130.0
    assert b.acquire() == pytest.approx(30.0)
    now[0] = 160.5
    assert b.acquire() == 0


def test_retry_hints() -> None:
    assert retry_after({"Retry-After": "3"}) == 3.0
    assert retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:10 GMT"}, now=1445412480.0) == 10.0
    assert retry_after({}) is None
    assert estimated_time('{"error": "loading", "estimated_time": 20.5}') == 20.5
    assert estimated_time("not json") is None
    assert scrub(f"refused {TOKEN} and hf_abcdefghijklmnop", ()) == "refused hf_*** and hf_***"


# -- the token check and doctor -------------------------------------------------------------------


def test_check_token_reports_scope_without_the_token(fake: FakeHF) -> None:
    config = RemoteConfig(hub_url=fake.base_url, token=TOKEN)
    report = check_token(config)
    assert report.ok
    text = "\n".join(report.lines)
    assert "scope: fine-grained" in text and "inference: allowed" in text
    assert TOKEN not in text
    fake.whoami_role = "write"
    assert "more than brandbot needs" in "\n".join(check_token(config).lines)
    bad = check_token(dataclasses.replace(config, token="hf_wrongwrongwrongwrong"))
    assert not bad.ok and "refused the token (HTTP 401)" in bad.lines[0]
    assert "hf_wrong" not in bad.lines[0]


def test_brandbot_doctor(
    fake: FakeHF,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.cli import main

    env = tmp_path / ".env"
    env.write_text(
        f"HF_TOKEN={TOKEN}\nBRANDBOT_SENTIMENT_MODEL=hf:acme/sentiment-3\n"
        f"BRANDBOT_HF_BASE_URL={fake.base_url}\nBRANDBOT_HF_HUB_URL={fake.base_url}\n"
    )
    assert main(["doctor", "--env-file", str(env)]) == 0
    out = capsys.readouterr()
    assert "sentiment: remote router: acme/sentiment-3" in out.out
    assert "HF_TOKEN accepted" in out.out and "inference: allowed" in out.out
    assert TOKEN not in out.out + out.err
    monkeypatch.setenv("HF_TOKEN", "hf_revokedrevokedrevoked")
    assert main(["doctor", "--env-file", str(env)]) == 1
    out = capsys.readouterr()
    assert "refused the token" in out.out
    assert "revoked" not in out.out + out.err


def test_doctor_fails_when_a_hosted_service_cannot_be_reached(
    fake: FakeHF, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    closed = "http://127.0.0.1:9"  # nothing listens on the discard port
    env = tmp_path / ".env"
    base = f"HF_TOKEN={TOKEN}\nBRANDBOT_HF_HUB_URL={fake.base_url}\n"
    env.write_text(
        base + f"BRANDBOT_HF_BASE_URL={fake.base_url}\n"
        "BRANDBOT_SENTIMENT_MODEL=hf:acme/sentiment-3\n"
        f"BRANDBOT_SAFETY_MODEL=hf:acme/offensive,tei+{fake.base_url}/tei/acme/irony\n"
    )
    assert main(["doctor", "--env-file", str(env)]) == 0
    out = capsys.readouterr().out
    assert "safety: remote router: acme/offensive, tei: TEI 127.0.0.1" in out
    assert "sentiment: acme/sentiment-3 reachable" in out
    assert "safety.2: TEI 127.0.0.1 reachable" in out
    # the router is down (the Hub still answers): the token is fine, the reviews would not be
    env.write_text(
        base + f"BRANDBOT_HF_BASE_URL={closed}\nBRANDBOT_SENTIMENT_MODEL=hf:acme/sentiment-3\n"
    )
    assert main(["doctor", "--env-file", str(env)]) == 1
    out = capsys.readouterr().out
    assert "HF_TOKEN accepted" in out
    assert f"sentiment: {closed} UNREACHABLE: cannot connect" in out
    # a TEI server that is down, and a Hub that is down
    env.write_text(
        f"HF_TOKEN={TOKEN}\nBRANDBOT_HF_HUB_URL={closed}\n"
        f"BRANDBOT_SAFETY_MODEL=tei+{closed}\nBRANDBOT_TONE_MODEL=hf:acme/nli\n"
    )
    assert main(["doctor", "--env-file", str(env)]) == 1
    out = capsys.readouterr()
    assert "safety: TEI 127.0.0.1 UNREACHABLE: cannot connect" in out.out
    assert f"tone: the Hub at {closed} cannot be reached" in out.out
    assert TOKEN not in out.out + out.err


# -- the bot side ---------------------------------------------------------------------------------


class _Client:
    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []

    async def conversations_open(self, users: str) -> dict[str, Any]:
        return {"channel": {"id": "D" + users}}

    async def chat_postMessage(self, **kwargs: Any) -> dict[str, Any]:
        self.posts.append(kwargs)
        return {"ok": True}


class _Queue:
    def __init__(self) -> None:
        self.keys: list[str] = []
        self.jobs: list[Job] = []

    def submit(self, key: str, kind: str, payload: dict[str, Any]) -> Any:
        with contextlib.suppress(RuntimeError):  # RuntimeError: no loop in this thread
            asyncio.get_running_loop()
            raise AssertionError("a synchronous journal write on the event loop")
        if key in self.keys:
            return "duplicate"
        self.keys.append(key)
        self.jobs.append(Job(len(self.jobs), key, "alert", kind, payload, "queued", 0))
        return "accepted"

    async def asubmit(self, key: str, kind: str, payload: dict[str, Any]) -> Any:
        return await asyncio.to_thread(self.submit, key, kind, payload)


def test_the_budget_notice_reaches_managers_once(tmp_path: Path) -> None:
    settings = dataclasses.replace(
        Settings.from_env({}, dotenv_path=None, require_tokens=False), manager_ids=("U1",)
    )
    client = _Client()
    alerter = Alerter(settings, Store(tmp_path / "db.sqlite3"), client, TokenBucket(100, 10))  # type: ignore[arg-type]
    queue = _Queue()
    alerter.queue = queue  # type: ignore[assignment]
    text = "brandbot's hosted-inference budget for 2026-01-01 is spent (2 requests)"

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        budget = RequestBudget(1, 0, on_spent=lambda m: alerter.notice_from_thread(loop, m))
        budget.acquire()
        for _ in range(3):
            with pytest.raises(BudgetSpent):
                await loop.run_in_executor(None, budget.acquire)
        await asyncio.sleep(0.05)
        for job in queue.jobs:
            await alerter.handle(job)

    asyncio.run(scenario())
    assert len(queue.jobs) == 1 and queue.jobs[0].kind == "notice"
    assert len(client.posts) == 1 and "budget" in client.posts[0]["text"]
    alerter.notice("same", text)
    assert alerter.notice("same", text) == "duplicate"


def test_the_review_says_which_backend_ran(make: Any, fake: FakeHF) -> None:
    m = make(sentiment="router:acme/sentiment-3", timeout_s=0.3, deadline_s=0.5)
    fake.script.append(("slow", 2.0))
    reviewer = Reviewer(make_guide(), m.suite)
    review = reviewer.review_one(Draft(text="We love the launch. It is fast and easy to use."))
    assert review.backends == {"sentiment": "embedded (remote unavailable: timeout)"}
    assert Review.from_dict(review.to_dict()).backends == review.backends
    footer = blocks.review_message(review)["blocks"][-1]
    assert "sentiment: embedded (remote unavailable: timeout)" in str(footer)


def test_a_suite_without_remote_analyses_is_just_the_local_one(make: Any) -> None:
    m = make(sentiment="router:acme/sentiment-3")
    assert isinstance(m.suite, RemoteModelSuite)
    outs = m.suite.analyze([], make_guide())
    assert outs == []
    out = m.suite.analyze([doc("We love it.")], make_guide(), analyses=("tone",))
    assert out[0].backends == {}


def test_an_unreachable_hub_at_start_does_not_disable_the_router(fake: FakeHF) -> None:
    from analyzers.remote.hub import resolve_targets

    reachable = RemoteConfig(
        targets={"sentiment": RemoteTarget("router", "acme/sentiment-3")},
        base_url=fake.base_url,
        hub_url=fake.base_url,
        token=TOKEN,
    )
    closed = dataclasses.replace(reachable, hub_url="http://127.0.0.1:9", timeout_s=2)
    urls, unavailable = resolve_targets(closed)
    assert unavailable == {}
    assert urls == {"sentiment": f"{fake.base_url}/hf-inference/models/acme/sentiment-3"}
    missing = dataclasses.replace(
        reachable, targets={"sentiment": RemoteTarget("router", "acme/none")}
    )
    assert "HTTP 404" in resolve_targets(missing)[1]["sentiment"]
