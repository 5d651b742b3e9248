"""``brandbot serve`` (the Slack bot), ``brandbot run`` (the Quickstart) and ``brandbot warmup``.

* ``serve``: settings -> guide -> models (warm) -> reviewer -> app -> Socket Mode or HTTP.
  Socket Mode also serves ``/healthz`` and ``/readyz`` on ``PORT`` (no Slack endpoint there).
* ``run``: starts the bot when Slack tokens are in ``.env`` or the environment; otherwise runs the
  offline review demo and says how to connect Slack.
* ``warmup``: loads the guide and the models and reviews one draft, then exits (the Dockerfile runs
  it at build time, so a broken model install fails the build, not the first message).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import inspect
import logging
import signal
import sys
import time
from pathlib import Path
from typing import Any

from bot.settings import Settings, SettingsError, log_level_number

log = logging.getLogger("bot.serve")

SLACK_HELP = """\
To connect brandbot to Slack (about 5 minutes, see docs/slack-setup.md):
  1. cp .env.example .env
  2. https://api.slack.com/apps -> Create New App -> From an app manifest -> paste manifest.yml
  3. Install to Workspace; copy the Bot User OAuth Token (xoxb-...) into .env as SLACK_BOT_TOKEN
  4. Basic Information -> App-Level Tokens -> generate one with connections:write (xapp-...)
     and put it in .env as SLACK_APP_TOKEN
  5. set BRANDBOT_WATCHED_CHANNELS in .env, then run ./scripts/run again
"""


def register(subparsers: Any) -> None:
    serve = subparsers.add_parser(
        "serve",
        help="run the Slack bot (Socket Mode by default, or HTTP)",
        description="Run the Slack bot. Settings come from the environment and .env "
        "(see .env.example).",
    )
    _common(serve)
    serve.add_argument("--mode", choices=("socket", "http"), help="override BRANDBOT_MODE")
    serve.add_argument("--port", type=int, help="override PORT")
    serve.set_defaults(func=serve_main)

    run = subparsers.add_parser(
        "run",
        help="Quickstart: start the bot if Slack tokens are set, else run the offline demo",
    )
    _common(run)
    run.set_defaults(func=run_main, mode=None, port=None)

    warm = subparsers.add_parser(
        "warmup", help="load the guide and models and review one draft (container builds)"
    )
    _common(warm)
    warm.set_defaults(func=warmup_main)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--env-file", default=".env", help="dotenv file to read (default: .env)")
    p.add_argument(
        "--no-models", action="store_true", help="review with rules only (BRANDBOT_MODELS=none)"
    )


# -- entry points ----------------------------------------------------------------------------------


def serve_main(args: argparse.Namespace) -> int:
    overrides: dict[str, str] = {}
    if getattr(args, "mode", None):
        overrides["BRANDBOT_MODE"] = args.mode
    if getattr(args, "port", None):
        overrides["PORT"] = str(args.port)
    if args.no_models:
        overrides["BRANDBOT_MODELS"] = "none"
    try:
        settings = _settings(args.env_file, overrides)
    except SettingsError as exc:
        print(f"brandbot: {exc}", file=sys.stderr)
        return 2
    _configure_logging(settings)
    try:
        return asyncio.run(serve(settings))
    except KeyboardInterrupt:
        return 0
    except StartupError as exc:
        print(f"brandbot: {exc}", file=sys.stderr)
        return 2


def run_main(args: argparse.Namespace) -> int:
    overrides = {"BRANDBOT_MODELS": "none"} if args.no_models else {}
    try:
        settings = _settings(args.env_file, overrides, require_tokens=False)
    except SettingsError as exc:
        print(f"brandbot: {exc}", file=sys.stderr)
        return 2
    if settings.has_slack_credentials:
        print("brandbot: Slack tokens found; starting the bot (Ctrl-C to stop)", file=sys.stderr)
        return serve_main(args)
    print(
        "brandbot: no Slack tokens in .env or the environment; running the offline demo.\n",
        file=sys.stderr,
    )
    code = _run_demo(use_models=not args.no_models)
    print("\n" + SLACK_HELP, file=sys.stderr)
    return code


def warmup_main(args: argparse.Namespace) -> int:
    overrides = {"BRANDBOT_MODELS": "none"} if args.no_models else {}
    try:
        settings = _settings(args.env_file, overrides, require_tokens=False)
        reviewer = build_reviewer(settings)
    except (SettingsError, StartupError) as exc:
        print(f"brandbot: {exc}", file=sys.stderr)
        return 2
    from analyzers import Draft

    t0 = time.perf_counter()
    [review] = reviewer.review([Draft("Warming up: our team ships great products for you.")])
    print(
        f"brandbot: warm ({reviewer.models_status}); sample review {review.score:.0f}/100 "
        f"in {time.perf_counter() - t0:.2f}s"
    )
    return 0


def _run_demo(*, use_models: bool) -> int:
    try:
        from analyzers.cli import review_cmd
    except ImportError:
        review_cmd = None  # type: ignore[assignment]
    demo = getattr(review_cmd, "run_demo", None)
    if demo is None:
        print(
            "The offline demo is not available in this install. Review a file with:\n"
            "  brandbot review examples/drafts --guide examples/brand-guide.yaml"
        )
        return 0
    return int(demo(use_models=use_models))


# -- building blocks -------------------------------------------------------------------------------


class StartupError(RuntimeError):
    pass


def _settings(env_file: str, overrides: dict[str, str], *, require_tokens: bool = True) -> Settings:
    import os

    env = dict(os.environ)
    env.update(overrides)
    settings = Settings.from_env(env, dotenv_path=env_file, require_tokens=require_tokens)
    settings.export_analyzer_env()  # BRANDBOT_DICTIONARY & co. from .env, before models load
    return settings


def _configure_logging(settings: Settings) -> None:
    from bot.errors import install_log_masking

    install_log_masking(settings.secrets)
    logging.basicConfig(
        level=log_level_number(settings),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("slack_bolt").setLevel(max(log_level_number(settings), logging.INFO))


def load_brand_guide(settings: Settings) -> Any:
    from analyzers import GuideError, default_guide_path, load_guide

    path = settings.guide_path or default_guide_path()
    try:
        return load_guide(Path(path))
    except GuideError as exc:
        raise StartupError(f"the brand guide is invalid:\n{exc}") from None
    except OSError as exc:
        raise StartupError(f"cannot read the brand guide {path}: {exc}") from None


def build_reviewer(settings: Settings) -> Any:
    """Guide + models -> ``analyzers.Reviewer``. Models load (and warm up) here, once."""
    from analyzers import Reviewer

    guide = load_brand_guide(settings)
    models, status = load_models(settings)
    return Reviewer(guide, models, models_status=status)


def uses_engine(settings: Settings) -> bool:
    """The embedded models run on the inference engine (batching, int8, cache); models named
    per analysis run through transformers pipelines in the executor instead."""
    o = settings.models
    return o.backend != "none" and not (
        o.sentiment_model or o.ner_model or o.tone_model or o.safety_model
    )


def build_engine_service(settings: Settings) -> Any:
    """Guide + the inference engine -> ``analyzers.EngineReviewService`` (the bot's
    ``ReviewService``): one worker thread owns the models; the event loop awaits futures."""
    from analyzers import EngineReviewService, load_engine

    guide = load_brand_guide(settings)
    device = None if settings.models.device == "auto" else settings.models.device
    try:
        engine = load_engine(precision=settings.models.precision, device=device)
    except ValueError as exc:
        raise StartupError(f"BRANDBOT_PRECISION: {exc}") from None
    return EngineReviewService(guide, engine)


async def start_service(settings: Settings) -> tuple[Any, Any]:
    """(reviewer, service) with the models loaded and warm: the bot reports ready only then."""
    loop = asyncio.get_running_loop()
    if not uses_engine(settings):
        return await loop.run_in_executor(None, build_reviewer, settings), None
    service = await loop.run_in_executor(None, build_engine_service, settings)
    t0 = time.perf_counter()
    try:
        await service.until_ready()
        log.info("models warm on the inference engine in %.1fs", time.perf_counter() - t0)
    except Exception as exc:
        if settings.models.backend == "embedded":
            await service.aclose()
            raise StartupError(f"the models failed to load: {exc}") from None
        log.warning("models failed to load (%s); reviewing with rules only", exc)
    return service.reviewer, service


def load_models(settings: Settings) -> tuple[Any, str]:
    """The model suite per ``settings.models`` (None and the reason when rules only)."""
    options = settings.models
    if options.backend == "none":
        return None, "rules only: models disabled (BRANDBOT_MODELS=none)"
    import analyzers

    loader = getattr(analyzers, "load_models", None)
    settings_cls = getattr(analyzers, "ModelSettings", None)
    if loader is None:
        return None, "rules only: this install has no model loader"
    candidates = {
        "sentiment_model": options.sentiment_model,
        "ner_model": options.ner_model,
        "tone_model": options.tone_model,
        "safety_model": options.safety_model,
        "safety_labels": options.safety_labels,
        "device": options.device,
        "precision": options.precision,
        # torch's default (every core) stalls a busy 2-core machine: the engine's default
        "threads": options.threads or analyzers.default_threads(),
        "remote": settings.remote if settings.remote and settings.remote.enabled else None,
    }
    kwargs: dict[str, Any] = {}
    if settings_cls is not None:
        accepted = inspect.signature(settings_cls).parameters
        kwargs = {k: v for k, v in candidates.items() if k in accepted and v is not None}
    t0 = time.perf_counter()
    try:
        model_settings = settings_cls(**kwargs) if settings_cls is not None else None
        suite = loader(model_settings)
    except Exception as exc:
        if options.backend == "embedded":
            raise StartupError(f"the models failed to load: {exc}") from None
        log.warning("models failed to load (%s); reviewing with rules only", exc)
        return None, f"rules only: models failed to load ({exc})"
    log.info("models loaded in %.1fs", time.perf_counter() - t0)
    return suite, f"models: {getattr(suite, 'name', type(suite).__name__)}"


# Docker stops a container 10 s after SIGTERM; everything below fits in about 3 s
SHUTDOWN_GRACE_S = 1.5  # running reviews may finish; after that they go back to the journal
SOCKET_CLOSE_S = 1.0  # Slack gets this long to answer the websocket close


async def _until_stopped(coro: Any, stop: asyncio.Event) -> bool:
    """Run ``coro`` unless ``stop`` is set first (SIGTERM while retrying an unreachable
    Slack); True when it finished."""
    task = asyncio.ensure_future(coro)
    stopper = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    if task in done:
        task.result()
        return True
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
    return False


async def _start_local_review(settings: Settings, bot: Any) -> tuple[Any, Path | None]:
    """The unix-socket review endpoint for `brandbot review` (analyzers/local_review.py)."""
    from analyzers import local_review_socket_path
    from bot.local_review import local_review_app, start_local_review

    path = local_review_socket_path(settings.local_socket)
    if path is None:
        return None, None
    ctx = bot.ctx
    status = str(ctx.reviewer_status or "")
    app = local_review_app(
        ctx.service.review,
        guide_path=getattr(ctx.guide, "source", None),
        models=status,
        models_loaded=settings.models.backend != "none" and not status.startswith("rules only"),
        profiles=sorted(getattr(ctx.guide, "profiles", {}) or {}),
    )
    return await start_local_review(app, path), path


async def _shutdown(
    bot: Any,
    service: Any,
    socket_runner: Any,
    web_runner: Any,
    local: tuple[Any, Path | None] = (None, None),
) -> None:
    from bot.local_review import stop_local_review

    t0 = time.perf_counter()
    await stop_local_review(*local)
    log.info(
        "shutting down: reviews in progress get %.1fs, then resume on restart", SHUTDOWN_GRACE_S
    )
    if socket_runner is not None:
        await socket_runner.close(timeout_s=SOCKET_CLOSE_S)
    await web_runner.cleanup()
    await bot.stop(grace_s=SHUTDOWN_GRACE_S)
    if service is not None:
        await service.aclose()
    log.info("stopped in %.1fs", time.perf_counter() - t0)


async def serve(settings: Settings, *, reviewer: Any | None = None) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.app import build_bot
    from bot.runners import SocketModeRunner, start_http

    loop = asyncio.get_running_loop()
    service = None
    if reviewer is None:
        reviewer, service = await start_service(settings)
    assert reviewer is not None
    try:
        bot = build_bot(settings, reviewer, service=service)
    except SQLAlchemyError as exc:
        from bot.storage.database import open_error

        if service is not None:
            await service.aclose()
        raise StartupError(open_error(settings.database, exc)) from None
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        started = await _until_stopped(bot.start(), stop)
    except RuntimeError as exc:
        if service is not None:
            await service.aclose()
        raise StartupError(str(exc)) from None
    if not started:
        log.info("stopped before Slack could be reached")
        await bot.stop(grace_s=0.0)
        if service is not None:
            await service.aclose()
        return 0

    socket_runner: SocketModeRunner | None = None
    if settings.mode == "http":
        web_runner = await start_http(bot, settings.host, settings.port)
        log.info("HTTP mode: POST /slack/events, GET /healthz, /readyz on port %d", settings.port)
    else:
        web_runner = await start_http(bot, settings.host, settings.port, slack_path=None)
        assert settings.app_token is not None
        socket_runner = SocketModeRunner(bot, settings.app_token)
        try:
            connected = await _until_stopped(socket_runner.connect(), stop)
        except RuntimeError as exc:
            await _shutdown(bot, service, socket_runner, web_runner)
            raise StartupError(str(exc)) from None
        if connected:
            log.info("Socket Mode connected; health on port %d", settings.port)
    local = await _start_local_review(settings, bot)
    try:
        await stop.wait()
    finally:
        await _shutdown(bot, service, socket_runner, web_runner, local)
    return 0
