"""``brandbot review [TEXT | FILE... | DIR | -]``: the review without Slack."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.text import Text

from analyzers.cli.inputs import HOW_ARGUMENTS_ARE_READ, MAX_BYTES, Source, collect, error_line
from analyzers.cli.report import print_review, print_summary
from analyzers.guide import BrandGuide, GuideError, default_guide_path, load_guide
from analyzers.local_review import LocalReviewClient, LocalReviewError
from analyzers.reviewer import INCOMPLETE_NOTES, Reviewer
from analyzers.types import Draft, Review, SourceFormat, Verdict

if TYPE_CHECKING:
    from analyzers.models.base import ModelSuite

BATCH = 8

EPILOG = f"""\
how arguments are read:
  {HOW_ARGUMENTS_ARE_READ}

batches:
  Give every file or folder to one call (brandbot review drafts/ a.md b.docx): the models load
  once for all of them. Each call loads them again, unless a brandbot serve runs on this
  machine with the same guide: then its warm models review (see --no-server).

exit codes:
  0  every draft was reviewed and none failed
  1  a draft failed (verdict "fail", or a score under --fail-under)
  2  a usage, guide or input error (the other inputs are still reviewed and reported)
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "review",
        help="review drafts against the brand guide",
        description="Review drafts (text, files, folders or - for stdin) against a brand guide.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "inputs",
        nargs="*",
        metavar="TEXT|FILE|DIR|-",
        help="what to review: the text of a draft, files, folders or - for stdin (see below)",
    )
    p.add_argument(
        "--guide", type=Path, help="brand guide YAML (default: $BRANDBOT_GUIDE or the example)"
    )
    p.add_argument("--profile", help="named profile of the guide to apply")
    p.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        dest="fmt",
        help="text: one line per finding with the words underlined (default); "
        "json: every review as data, for scripts and CI",
    )
    p.add_argument(
        "--fail-under",
        type=score_arg,
        metavar="SCORE",
        help="exit 1 when any draft scores under SCORE (0 to 100)",
    )
    p.add_argument("--no-models", action="store_true", help="rules only: skip the model analyses")
    p.add_argument(
        "--no-server",
        action="store_true",
        help="load the models in this process even when a brandbot serve runs on this machine "
        "(by default its warm models are used, over a socket only you can open)",
    )
    p.add_argument(
        "--input-format",
        choices=[f.value for f in SourceFormat],
        help="markup of TEXT/stdin/.txt inputs (default: by file extension, else plain)",
    )
    p.add_argument("--max-bytes", type=int, default=MAX_BYTES, help=argparse.SUPPRESS)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    if not args.inputs:
        err.print("brandbot review: nothing to review; give TEXT, FILE, DIR or - (see --help)")
        return 2
    try:
        guide = resolve_guide(args.guide, args.profile)
    except GuideError as exc:
        err.print(Text(f"brandbot review: guide error: {exc}"))
        return 2

    for note in guide.warnings:
        err.print(Text(f"note: {note}", style="dim"))
    sources, errors = collect(args.inputs, args.input_format, args.max_bytes)
    for label, message in errors:
        err.print(Text(f"brandbot review: {error_line(label, message)}", style="red"))
    reviewer: Reviewer | ServedReviewer | None = None
    if sources and not args.no_models and not getattr(args, "no_server", False):
        reviewer = ServedReviewer.find(guide, args.profile, err)
    if reviewer is None:
        reviewer = build_reviewer(guide, use_models=not args.no_models, err=err)
    reviews = review_all(reviewer, sources, err)

    if args.fmt == "json":
        payload = {
            "guide": str(guide.source) if guide.source else None,
            "profile": guide.profile,
            "models": reviewer.models_status,
            "reviews": [
                {"input": s.label, **r.to_dict()} for s, r in zip(sources, reviews, strict=True)
            ],
            "errors": [{"input": label, "error": message} for label, message in errors],
        }
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    else:
        out = Console(highlight=False, soft_wrap=True)
        for source, review in zip(sources, reviews, strict=True):
            print_review(out, source.label, review, source.location)
        if len(reviews) > 1:
            print_summary(out, reviews, models_off=args.no_models)

    if errors:
        return 2
    under = (
        [
            (s.label, r.score)
            for s, r in zip(sources, reviews, strict=True)
            # a review whose rules did not all run cannot clear a gate
            if r.score < args.fail_under or any(k in r.skipped for k in INCOMPLETE_NOTES)
        ]
        if args.fail_under is not None
        else []
    )
    if under:
        shown = ", ".join(f"{label} ({score:.0f})" for label, score in under[:3])
        more = f" and {len(under) - 3} more" if len(under) > 3 else ""
        err.print(
            Text(
                f"brandbot review: exit 1: {len(under)} draft{'s' if len(under) != 1 else ''} "
                f"under --fail-under {args.fail_under:g}: {shown}{more}"
            )
        )
    failing = [r for r in reviews if r.verdict is Verdict.FAIL]
    return 1 if failing or under else 0


def score_arg(raw: str) -> float:
    """``--fail-under``: a score from 0 to 100 (a review's score never leaves that range)."""
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not 0 <= value <= 100:  # NaN fails too
        raise argparse.ArgumentTypeError(f"{raw[:40]!r} is not a score from 0 to 100")
    return value


def resolve_guide(path: Path | None, profile: str | None) -> BrandGuide:
    if path is None:
        env = os.environ.get("BRANDBOT_GUIDE", "").strip()
        if env and not Path(env).exists():
            raise GuideError(
                "file not found",
                file=env,
                hint="It comes from the BRANDBOT_GUIDE environment variable: fix the path, "
                f"or unset BRANDBOT_GUIDE to use {default_guide_path()}.",
            )
        path = Path(env) if env else default_guide_path()
    elif not path.exists():
        raise GuideError(
            "file not found",
            file=str(path),
            hint=f"Check the --guide path, or leave --guide out to use {default_guide_path()}.",
        )
    guide = load_guide(path)
    return guide.with_profile(profile) if profile else guide


def build_reviewer(guide: BrandGuide, *, use_models: bool, err: Console | None = None) -> Reviewer:
    if not use_models:
        return Reviewer(guide, None, models_status="rules only: models disabled (--no-models)")
    models, status = load_models_or_reason()
    if models is None and err is not None:
        err.print(Text(f"brandbot: {status}; reviewing with rules only", style="yellow"))
    return Reviewer(guide, models, models_status=status)


def load_models_or_reason() -> tuple[ModelSuite | None, str]:
    """The models the environment asks for (the embedded ones by default; see
    ``ModelSettings.from_env``), or None and the reason they could not load."""
    try:
        from analyzers.engine import default_threads
        from analyzers.models.pipelines import ModelSettings, load_models

        settings = ModelSettings.from_env()
        settings = dataclasses.replace(settings, threads=settings.threads or default_threads())
        suite = load_models(settings)
    except Exception as exc:  # any load failure leaves the rules working
        return None, f"models failed to load: {exc}"
    return suite, f"models: {getattr(suite, 'name', type(suite).__name__)}"


# -- reviewing ------------------------------------------------------------------------------


class ServedReviewer:
    """Reviews through a running ``brandbot serve`` on this machine (its warm models); falls
    back to loading the models here if the server goes away mid-way."""

    def __init__(
        self, client: LocalReviewClient, guide: BrandGuide, profile: str | None, err: Console
    ) -> None:
        self.client = client
        self.guide = guide
        self.profile = profile
        self.err = err
        self.local: Reviewer | None = None
        self.models_status = f"models: via brandbot serve ({client.path})"

    @classmethod
    def find(cls, guide: BrandGuide, profile: str | None, err: Console) -> ServedReviewer | None:
        from analyzers.local_review import find_server

        client = find_server(guide.source, profile)
        return None if client is None else cls(client, guide, profile, err)

    def review(self, drafts: Sequence[Draft]) -> list[Review]:
        if self.local is None:
            try:
                return self.client.review(drafts, self.profile)
            except LocalReviewError as exc:
                self.err.print(
                    Text(
                        f"brandbot: the local brandbot serve failed ({exc}); "
                        "loading the models here",
                        style="yellow",
                    )
                )
                self.local = build_reviewer(self.guide, use_models=True, err=self.err)
                self.models_status = self.local.models_status
        return self.local.review(drafts)


def review_all(
    reviewer: Reviewer | ServedReviewer, sources: Sequence[Source], err: Console
) -> list[Review]:
    reviews: list[Review] = []
    show = len(sources) > 3 and err.is_terminal
    with Progress(
        TextColumn("reviewing"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
        disable=not show,
    ) as progress:
        task = progress.add_task("review", total=len(sources))
        for i in range(0, len(sources), BATCH):
            batch = [s.draft for s in sources[i : i + BATCH]]
            reviews.extend(reviewer.review(batch))
            progress.advance(task, len(batch))
    return reviews


def run_demo(use_models: bool = True) -> int:
    """The Quickstart's offline demo: review examples/drafts against the example guide."""
    from analyzers.paths import REPO_ROOT

    drafts = REPO_ROOT / "examples" / "drafts"
    args = argparse.Namespace(
        inputs=[str(drafts)],
        guide=None,
        profile=None,
        fmt="text",
        fail_under=None,
        no_models=not use_models,
        input_format=None,
        max_bytes=MAX_BYTES,
    )
    code = run(args)
    return 0 if code in (0, 1) else code
