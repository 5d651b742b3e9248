"""Block Kit for the review lifecycle (issue 13): sign-off and vote controls, decisions,
admin answers, suggestions, stats, digests and the Home tab.

Every piece of text goes through ``bot.blocks`` (``section``, ``context``, ``header``,
``escape``): the one choke point for escaping. Button values and block ids carry a *reference*
to a reviewed draft version (:class:`DraftRef`); handlers parse it and check it against the
database, never trusting it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from analyzers import Finding, Review
from bot import blocks
from bot.blocks import Block, Message, escape, mention, plural, truncate

APPROVE = "brandbot_approve"
REQUEST_CHANGES = "brandbot_request_changes"
VOTE_DISMISS = "brandbot_vote_dismiss"
VOTE_HELPFUL = "brandbot_vote_helpful"
ACCEPT_SUGGESTION = "brandbot_accept_suggestion"
ACTION_IDS = (APPROVE, REQUEST_CHANGES, VOTE_DISMISS, VOTE_HELPFUL, ACCEPT_SUGGESTION)

MAX_VIEW_BLOCKS = 100
MAX_OPTIONS = 100  # static_select
MAX_OPTION_TEXT = 75
MAX_BLOCK_ID = 255
_REF_PREFIX = "bb1"
_ID = r"[A-Z0-9]{2,20}"
_TS = r"\d{1,12}\.\d{1,9}"
_VERSION = r"\d{1,12}(?:\.\d{1,9})?"
_REF_RE = re.compile(rf"^{_REF_PREFIX}\|({_ID})\|({_TS})\|([A-Za-z0-9_.:-]{{0,64}})\|({_VERSION})$")


@dataclass(frozen=True)
class DraftRef:
    """A reviewed draft version: what a button or select is about."""

    channel: str
    ts: str
    part: str
    version: str

    def encode(self) -> str:
        return f"{_REF_PREFIX}|{self.channel}|{self.ts}|{self.part}|{self.version}"

    @classmethod
    def parse(cls, value: object) -> DraftRef | None:
        """The reference in ``value``, or None for anything malformed (never raises)."""
        if not isinstance(value, str) or len(value) > MAX_BLOCK_ID:
            return None
        m = _REF_RE.fullmatch(value)
        return None if m is None else cls(*m.groups())


def _button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    b: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "action_id": action_id,
        "value": value,
    }
    if style:
        b["style"] = style
    return b


def _option_text(i: int, f: Finding) -> str:
    words = " ".join(f.display.split()) if f.matched.strip() else f.message
    # plain_text, escaped like every user text (blocks.escape is the choke point's escaping)
    return truncate(escape(f"{i + 1}. {words}"), MAX_OPTION_TEXT)


def _finding_select(
    action_id: str, placeholder: str, findings: Sequence[Finding]
) -> dict[str, Any]:
    return {
        "type": "static_select",
        "action_id": action_id,
        "placeholder": {"type": "plain_text", "text": placeholder, "emoji": True},
        "options": [
            {"text": {"type": "plain_text", "text": _option_text(i, f)}, "value": str(i)}
            for i, f in enumerate(findings[:MAX_OPTIONS])
        ],
    }


def lifecycle_actions(review: Review, ref: DraftRef, *, signoff: bool, votes: bool) -> list[Block]:
    """One actions block: Approve / Request changes (sign-off) and, per finding, "Not an
    issue" / "Helpful" as two selects whose options are the review's findings (numbered as
    shown). One block whatever the number of findings, so the review keeps its 50-block room."""
    elements: list[dict[str, Any]] = []
    value = ref.encode()
    if len(value) > MAX_BLOCK_ID:
        return []
    if signoff:
        elements.append(_button("Approve", APPROVE, value, "primary"))
        elements.append(_button("Request changes", REQUEST_CHANGES, value, "danger"))
    if votes and review.findings:
        shown = blocks._sorted(review.findings)
        order = {id(f): i for i, f in enumerate(review.findings)}
        # option values are positions in the stored review; texts follow the displayed order
        sel_d = _finding_select(VOTE_DISMISS, "Not an issue…", shown)
        sel_h = _finding_select(VOTE_HELPFUL, "Helpful…", shown)
        for sel in (sel_d, sel_h):
            for opt, f in zip(sel["options"], shown, strict=False):
                opt["value"] = str(order[id(f)])
        elements += [sel_d, sel_h]
    if not elements:
        return []
    return [{"type": "actions", "block_id": value, "elements": elements}]


def decision_line(decision: str, by: str, at: float, version_note: str = "") -> str:
    who = mention("@", by) or "someone"
    when = datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M UTC")
    if decision == "approved":
        return f":white_check_mark: *Approved* by {who} on {when}{version_note}"
    return f":leftwards_arrow_with_hook: *Changes requested* by {who} on {when}{version_note}"


def decision_notice(decision: str, by: str, author: str | None) -> Message:
    who = mention("@", by) or "someone"
    to = mention("@", author)
    verb = "approved" if decision == "approved" else "asked for changes to"
    text = f"{to + ': ' if to else ''}{who} {verb} this draft."
    if decision != "approved":
        text += " Edit the draft and I will review it again; the sign-off opens again."
    return blocks.message(text, [blocks.section(text)])


def reopened_note(by: str, decision: str) -> str:
    who = mention("@", by) or "someone"
    what = "approved" if decision == "approved" else "requested changes to"
    return f":arrows_counterclockwise: Re-opened: the draft changed after {who} {what} it."


def with_decision(message_blocks: list[Block], line: str) -> list[Block]:
    """A message's blocks with the decision shown above its buttons (replacing an earlier
    decision line), within the 50-block limit."""
    out = [
        b
        for b in message_blocks
        if not (isinstance(b, dict) and b.get("block_id") == "bb_decision")
    ]
    block = blocks.context(line)
    block["block_id"] = "bb_decision"
    at = next(
        (i for i, b in enumerate(out) if isinstance(b, dict) and b.get("type") == "actions"),
        len(out),
    )
    out.insert(at, block)
    while len(out) > blocks.MAX_BLOCKS:
        out.pop(max(0, at - 1))
        at -= 1
    return out


def refusal(text: str) -> Message:
    return blocks.message(text, [blocks.section(escape(text))])


# -- suggestions -------------------------------------------------------------------------------


def suggestion_message(
    suggestion_id: int, kind: str, rule: str, term: str, dismissed: int, total: int, extra: str
) -> Message:
    what = (
        f"add “{escape(term)}” to the guide's accepted words"
        if kind == "accept_term"
        else f"lower the severity of “{escape(term)}” ({escape(extra)})"
    )
    label = "Accept the word" if kind == "accept_term" else "Lower the severity"
    text = (
        f":bulb: The team marked {plural(dismissed, 'finding')} of *{escape(rule)}* on "
        f"“{escape(term)}” as not an issue ({dismissed} of {total} votes). Suggestion: {what}."
    )
    body = [
        blocks.section(text),
        {
            "type": "actions",
            "block_id": f"bb_suggestion_{suggestion_id}",
            "elements": [_button(label, ACCEPT_SUGGESTION, str(suggestion_id), "primary")],
        },
    ]
    return blocks.message(text, body)


# -- admin -------------------------------------------------------------------------------------


def policy_list(
    stored: Sequence[Any], configured: Sequence[str], guide_map: dict[str, str]
) -> Message:
    lines = ["*Channel policy* (stored rows override the settings and the guide)"]
    if stored:
        for r in stored:
            where = mention("#", r.channel) or escape(r.channel)
            state = "watched" if r.watched else "not watched"
            prof = f", profile *{escape(r.profile)}*" if r.profile else ""
            by = mention("@", r.updated_by) or escape(r.updated_by)
            lines.append(f"• {where}: {state}{prof} (set by {by})")
    else:
        lines.append("• no stored rules yet")
    conf = ", ".join(mention("#", c) or escape(c) for c in configured) or "none"
    lines.append(f"*From settings* (BRANDBOT_WATCHED_CHANNELS): {conf}")
    if guide_map:
        pairs = ", ".join(
            f"{mention('#', k) or escape(k)} → {escape(v)}" for k, v in sorted(guide_map.items())
        )
        lines.append(f"*Guide profiles by channel*: {pairs}")
    text = "\n".join(lines)
    return blocks.message(text, [blocks.section(text)])


# -- stats, digest, home -----------------------------------------------------------------------


def insights_text(ins: Any, scope: str) -> str:
    """The short stats summary (mrkdwn; every user value escaped)."""
    if not ins.reviews:
        return f"*{scope}*, last {plural(ins.days, 'day')}: no reviews."
    lines = [
        f"*{scope}*, last {plural(ins.days, 'day')}: {plural(ins.reviews, 'review')}, "
        f"mean score {ins.mean_score:.0f}/100, pass rate {ins.pass_rate:.0%}"
    ]
    if len(ins.trend) >= 2:
        delta = ins.trend[-1].mean_score - ins.trend[0].mean_score
        lines.append(
            f"Trend: {ins.trend[0].mean_score:.0f} → {ins.trend[-1].mean_score:.0f} "
            f"({delta:+.0f}) from {ins.trend[0].day} to {ins.trend[-1].day}"
        )
    if ins.top_rules:
        lines.append(
            "Most frequent findings: " + ", ".join(f"{escape(r)} ({n})" for r, n in ins.top_rules)
        )
    if ins.top_terms:
        lines.append(
            "Most frequent words: " + ", ".join(f"“{escape(t)}” ({n})" for t, n in ins.top_terms)
        )
    for t in ins.tone:
        mark = "on target" if t.within else "drifting"
        lines.append(
            f"Tone {t.name}: {t.mean:.2f} vs target {t.target:.2f} ± {t.tolerance:.2f} "
            f"({t.drift:+.2f}, {mark})"
        )
    if ins.dismissed:
        lines.append(
            "Most dismissed: "
            + ", ".join(
                f"{escape(v.rule)}"
                + (f" on “{escape(v.term)}”" if v.term else "")
                + f" ({v.dismissed} of {v.total})"
                for v in ins.dismissed
            )
        )
    if ins.truncated:
        lines.append("_(only the newest 20,000 reviews were counted)_")
    return "\n".join(lines)


def home_view(
    *,
    user: str,
    recent: Sequence[Any],
    common: Sequence[tuple[str, int, str]],
    guide: Any,
    manager: bool,
    channel_trends: Sequence[tuple[str, int, float]],
    pending: Sequence[Any],
) -> dict[str, Any]:
    """The Home tab (at most 100 blocks by construction)."""
    out: list[Block] = [blocks.header("brandbot — your brand voice")]
    out.append(blocks.section("*Your recent reviews*"))
    if recent:
        for e in recent[:10]:
            when = datetime.fromtimestamp(e.reviewed_at, UTC).strftime("%b %d %H:%M")
            where = mention("#", e.channel) or "private"
            out.append(
                blocks.context(
                    f"{when} · {where} · *{e.score:.0f}/100* · "
                    f"{escape(e.verdict.replace('_', ' '))}"
                    f" · {plural(len(e.findings), 'finding')}"
                )
            )
    else:
        out.append(
            blocks.context("No reviews yet: post a draft in a watched channel or use /brandcheck.")
        )
    out.append(blocks.divider())
    out.append(blocks.section("*Your most common findings*"))
    if common:
        for rule, n, tip in common[:5]:
            out.append(blocks.section(f"• *{escape(rule)}* ({n}×) — {escape(truncate(tip, 300))}"))
    else:
        out.append(blocks.context("Nothing yet."))
    out.append(blocks.divider())
    name = str(getattr(guide, "name", "") or "the brand guide")
    voice = str(getattr(getattr(guide, "voice", None), "description", "") or "").strip()
    essentials = [f"*The guide's essentials: {escape(name)}*"]
    if voice:
        essentials.append(escape(truncate(" ".join(voice.split()), 600)))
    products = [str(getattr(p, "name", p)) for p in getattr(guide, "products", ()) or ()]
    if products:
        essentials.append("Products (exact casing): " + escape(", ".join(products[:12])))
    banned = [str(getattr(b, "term", b)) for b in getattr(guide, "banned", ()) or ()]
    if banned:
        essentials.append("Never: " + escape(", ".join(banned[:12])))
    out.append(blocks.section("\n".join(essentials)))
    if manager:
        out.append(blocks.divider())
        out.append(blocks.section("*Your channels (last 7 days)*"))
        for ch, n, mean in channel_trends[:10]:
            out.append(
                blocks.context(
                    f"{mention('#', ch) or escape(ch)}: {plural(n, 'review')}, mean {mean:.0f}/100"
                )
            )
        if not channel_trends:
            out.append(blocks.context("No reviews in the last 7 days."))
        out.append(blocks.section(f"*Pending approvals* ({len(pending)})"))
        for p in pending[:20]:
            link = f"{mention('#', p.channel) or escape(p.channel)}"
            out.append(
                blocks.context(f"{link} · draft {escape(p.ts)} · {escape(p.verdict or 'reviewed')}")
            )
        if len(pending) > 20:
            out.append(blocks.context(f"+{len(pending) - 20} more"))
    footer = blocks.context(f"Updated for {mention('@', user) or 'you'}")
    out = [*out[: MAX_VIEW_BLOCKS - 1], footer]
    return {"type": "home", "blocks": out[:MAX_VIEW_BLOCKS]}
