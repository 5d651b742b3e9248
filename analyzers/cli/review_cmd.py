"""``brandbot review [TEXT | FILE... | DIR | -]``: the review without Slack."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.text import Text

from analyzers.guide import BrandGuide, GuideError, default_guide_path, load_guide
from analyzers.models.base import ModelSuite
from analyzers.reviewer import Reviewer
from analyzers.types import Draft, Finding, Review, Severity, SourceFormat, Verdict

TEXT_SUFFIXES = {".md": SourceFormat.MARKDOWN, ".markdown": SourceFormat.MARKDOWN}
MRKDWN_SUFFIXES = (".mrkdwn", ".mrkdwn.txt", ".slack", ".slack.txt")
PLAIN_SUFFIXES = (".txt", ".text")
DOCUMENT_SUFFIXES = (".docx", ".pdf")
MAX_BYTES = 2_000_000
BATCH = 8

SEVERITY_STYLE = {
    Severity.ERROR: "bold red",
    Severity.WARNING: "yellow",
    Severity.SUGGESTION: "cyan",
}
VERDICT_STYLE = {
    Verdict.PASS: "bold green",
    Verdict.NEEDS_WORK: "bold yellow",
    Verdict.FAIL: "bold red",
    Verdict.NOT_REVIEWED: "bold magenta",
}


class InputError(Exception):
    """An input that cannot be reviewed; the message is one line meant for the user."""


@dataclass(frozen=True)
class Source:
    label: str
    draft: Draft


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "review",
        help="review drafts against the brand guide",
        description="Review drafts (text, files, folders or - for stdin) against a brand guide.",
    )
    p.add_argument("inputs", nargs="*", metavar="TEXT|FILE|DIR|-", help="what to review")
    p.add_argument(
        "--guide", type=Path, help="brand guide YAML (default: $BRANDBOT_GUIDE or the example)"
    )
    p.add_argument("--profile", help="named profile of the guide to apply")
    p.add_argument("--format", choices=("text", "json"), default="text", dest="fmt")
    p.add_argument(
        "--fail-under", type=float, metavar="SCORE", help="exit 1 when any draft scores under SCORE"
    )
    p.add_argument("--no-models", action="store_true", help="rules only: skip the model analyses")
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
        err.print(Text(f"brandbot review: {label}: {message}", style="red"))
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
            print_review(out, source.label, review)
        if len(reviews) > 1:
            print_summary(out, sources, reviews)

    if errors:
        return 2
    failing = [
        r
        for r in reviews
        if r.verdict is Verdict.FAIL or (args.fail_under is not None and r.score < args.fail_under)
    ]
    return 1 if failing else 0


def resolve_guide(path: Path | None, profile: str | None) -> BrandGuide:
    if path is None:
        env = os.environ.get("BRANDBOT_GUIDE")
        path = Path(env) if env else default_guide_path()
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
        from analyzers.models.pipelines import ModelSettings, load_models

        suite = load_models(ModelSettings.from_env())
    except Exception as exc:  # any load failure leaves the rules working
        return None, f"models failed to load: {exc}"
    return suite, f"models: {getattr(suite, 'name', type(suite).__name__)}"


# -- inputs ---------------------------------------------------------------------------------


def collect(
    inputs: Sequence[str], input_format: str | None, max_bytes: int
) -> tuple[list[Source], list[tuple[str, str]]]:
    sources: list[Source] = []
    errors: list[tuple[str, str]] = []
    for arg in inputs:
        try:
            sources.extend(expand(arg, input_format, max_bytes))
        except InputError as exc:
            errors.append((arg, str(exc)))
    return sources, errors


def expand(arg: str, input_format: str | None, max_bytes: int) -> Iterator[Source]:
    fmt_override = SourceFormat(input_format) if input_format else None
    if arg == "-":
        data = sys.stdin.buffer.read()
        yield Source(
            "<stdin>", Draft(decode(data, max_bytes), "stdin", fmt_override or SourceFormat.PLAIN)
        )
        return
    path = Path(arg)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and _reviewable(p))
        if not files:
            raise InputError(
                "no text files found (looked for .md, .markdown, .txt, .mrkdwn, .docx, .pdf)"
            )
        for f in files:
            try:
                yield read_file(f, fmt_override, max_bytes)
            except InputError as exc:
                raise InputError(f"{f}: {exc}") from None
        return
    if path.exists():
        if not path.is_file():
            raise InputError("not a regular file")
        yield read_file(path, fmt_override, max_bytes)
        return
    if _looks_like_path(arg):
        raise InputError("no such file or directory")
    text = arg.strip()
    if not text:
        raise InputError("empty draft: nothing to review")
    yield Source(_preview(text), Draft(arg, None, fmt_override or SourceFormat.PLAIN))


def _looks_like_path(arg: str) -> bool:
    return not any(c.isspace() for c in arg) and (
        "/" in arg or "\\" in arg or Path(arg).suffix.lower() in {".md", ".txt", ".docx", ".pdf"}
    )


def _reviewable(p: Path) -> bool:
    name = p.name.lower()
    if name.startswith("."):
        return False
    return name.endswith(
        tuple(TEXT_SUFFIXES) + MRKDWN_SUFFIXES + PLAIN_SUFFIXES + DOCUMENT_SUFFIXES
    )


def format_for(path: Path) -> SourceFormat:
    name = path.name.lower()
    if name.endswith(MRKDWN_SUFFIXES):
        return SourceFormat.MRKDWN
    return TEXT_SUFFIXES.get(path.suffix.lower(), SourceFormat.PLAIN)


def read_file(path: Path, fmt_override: SourceFormat | None, max_bytes: int) -> Source:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(
                f"{size / 1e6:.1f} MB is over the {max_bytes / 1e6:.0f} MB limit for one draft"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(exc.strerror or str(exc)) from None
    label = str(path)
    if path.suffix.lower() in DOCUMENT_SUFFIXES:
        return Source(label, _extract_document(data, path.name, max_bytes))
    return Source(label, Draft(decode(data, max_bytes), label, fmt_override or format_for(path)))


def _extract_document(data: bytes, name: str, max_bytes: int) -> Draft:
    try:
        from analyzers.documents import DocumentError, DocumentLimits, read_document
    except ImportError:  # pragma: no cover - documents module ships with the package
        raise InputError("reading .docx/.pdf needs analyzers.documents") from None
    try:
        # the same guarded path as the bot: a killable worker process with limits
        draft = read_document(data, name, limits=DocumentLimits(max_bytes=max_bytes))
    except DocumentError as exc:
        raise InputError(str(exc)) from None
    if not draft.text.strip():
        raise InputError("empty draft: the document holds no text")
    return draft


def decode(data: bytes, max_bytes: int) -> str:
    if len(data) > max_bytes:
        raise InputError(
            f"{len(data) / 1e6:.1f} MB is over the {max_bytes / 1e6:.0f} MB limit for one draft"
        )
    if b"\x00" in data[:8192]:
        raise InputError("looks like a binary file, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save the file as UTF-8"
        ) from None
    if not text.strip():
        raise InputError("empty draft: nothing to review")
    return text


def _preview(text: str, width: int = 40) -> str:
    flat = " ".join(text.split())
    return f"“{flat[:width]}…”" if len(flat) > width else f"“{flat}”"


# -- reviewing ------------------------------------------------------------------------------


def review_all(reviewer: Reviewer, sources: Sequence[Source], err: Console) -> list[Review]:
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


# -- text output ----------------------------------------------------------------------------


def line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


def print_review(out: Console, label: str, review: Review) -> None:
    head = Text()
    head.append(label, style="bold")
    head.append("  ")
    head.append(
        f"{review.score:.0f}/100 {review.verdict.label}", style=VERDICT_STYLE[review.verdict]
    )
    head.append(f"  ({review.word_count} words", style="dim")
    if review.profile:
        head.append(f", profile {review.profile}", style="dim")
    head.append(")", style="dim")
    out.print(head)
    out.print(
        Text(
            "  " + " · ".join(f"{k} {v:.0f}" for k, v in review.category_scores.items()),
            style="dim",
        )
    )
    if review.language is not None and review.language.note:
        out.print(Text(f"  language: {review.language.note}", style="magenta"))
    summary = model_summary(review)
    if summary:
        out.print(Text("  " + summary))
    for name, reason in review.skipped.items():
        out.print(Text(f"  skipped {name}: {reason}", style="dim"))
    for name, backend in review.backends.items():
        out.print(Text(f"  {name}: {backend}", style="dim"))
    text = review.draft.text
    for f in review.findings:
        print_finding(out, text, f)
    out.print()


def model_summary(review: Review) -> str:
    parts = []
    if review.sentiment:
        parts.append(f"sentiment {review.sentiment.label} ({review.sentiment.confidence:.2f})")
    if review.tone:
        t = review.tone
        tone = f"formality {t.formality:.2f}, confidence {t.confidence:.2f}"
        if t.voice_match is not None:
            tone += f", voice match {t.voice_match:.2f}"
        top = sorted(t.emotions.items(), key=lambda kv: -kv[1])[:2]
        if top:
            tone += ", " + ", ".join(f"{k} {v:.2f}" for k, v in top)
        parts.append(f"tone: {tone}")
    if review.entities:
        names = []
        for e in review.entities[:6]:
            names.append(f"{e.text} ({e.label})")
        more = len(review.entities) - 6
        parts.append("entities: " + ", ".join(names) + (f" +{more} more" if more > 0 else ""))
    return " · ".join(parts)


def print_finding(out: Console, text: str, f: Finding) -> None:
    line, col = line_col(text, f.span.start)
    row = Text("  ")
    row.append(f"{f.severity.value:<10}", style=SEVERITY_STYLE[f.severity])
    row.append(f" {line}:{col:<4} ")
    row.append(f.rule_id, style="dim")
    row.append(f"  {f.message}")
    out.print(row)
    # the sentence (line) with the offending words marked
    start = text.rfind("\n", 0, f.span.start) + 1
    end = text.find("\n", f.span.end)
    end = len(text) if end == -1 else end
    context = Text("      │ ", style="dim")
    snippet_start = max(start, f.span.start - 80)
    snippet_end = min(end, f.span.end + 80)
    context.append(("…" if snippet_start > start else "") + text[snippet_start : f.span.start])
    context.append(text[f.span.start : f.span.end] or "⁁", style="bold reverse")
    context.append(text[f.span.end : snippet_end] + ("…" if snippet_end < end else ""))
    out.print(context)
    if f.suggestions:
        out.print(Text("      → " + " / ".join(f.suggestions[:3]), style="green"))
    if f.link:
        out.print(Text(f"      ↪ {f.link}", style="blue underline"))


def print_summary(out: Console, sources: Sequence[Source], reviews: Sequence[Review]) -> None:
    counts = {v: sum(r.verdict is v for r in reviews) for v in Verdict}
    mean = sum(r.score for r in reviews) / len(reviews)
    out.print(
        Text(
            f"{len(reviews)} drafts · mean score {mean:.0f} · "
            + " · ".join(f"{n} {v.label.lower()}" for v, n in counts.items()),
            style="bold",
        )
    )


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
