"""Review -> Block Kit. Pure functions: values in, ``{"text": ..., "blocks": [...]}`` out.

Slack's limits are respected by construction: at most 50 blocks, section text <= 3000 characters,
<= 10 fields per section, header text <= 150 characters, <= 10 context elements. What does not fit
is summarised ("+12 more suggestions"). Every message carries a fallback ``text``. User-provided
text (the draft's words, finding messages, names) is escaped (``&``, ``<``, ``>``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from analyzers import Finding, Review, ReviewDiff, Severity, Verdict
from bot.term_display import readable_pattern

Message = dict[str, Any]
Block = dict[str, Any]

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER = 150
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_CONTEXT_ELEMENTS = 10
MAX_FALLBACK = 3000
MAX_QUOTE = 120  # characters of a matched phrase shown in a finding

_SEVERITY_ICON = {
    Severity.ERROR: ":red_circle:",
    Severity.WARNING: ":large_orange_circle:",
    Severity.SUGGESTION: ":large_blue_circle:",
}
_VERDICT_ICON = {
    Verdict.PASS: ":white_check_mark:",
    Verdict.NEEDS_WORK: ":warning:",
    Verdict.FAIL: ":x:",
    Verdict.NOT_REVIEWED: ":grey_question:",
}
_CATEGORY_TITLE = {
    "terminology": "Terminology",
    "tone": "Tone and voice",
    "sentiment": "Sentiment",
    "entities": "Names and competitors",
    "readability": "Readability",
    "style": "Style",
}


# -- text helpers ----------------------------------------------------------------------------------


_BARE_AMP = re.compile(r"&(?!amp;|lt;|gt;)")
# the only control sequences the bot itself writes into a fallback: a user or channel mention
_MENTION = re.compile(r"(<[@#][A-Z0-9]{2,20}>)")


def escape(text: str) -> str:
    """Escape Slack's control characters in user text (mrkdwn and plain_text alike).

    Idempotent (an existing ``&amp;`` / ``&lt;`` / ``&gt;`` is kept), so text escaped by a
    caller can pass through the builders' own escaping again unchanged."""
    return _BARE_AMP.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;")


def _no_broadcast(text: str) -> str:
    """The one choke point every block and fallback goes through: ``<!channel>``, ``<!here>``,
    ``<!everyone>``, ``<!subteam^…>`` and ``<!date…>`` can never be sent (the bot writes none
    itself), whatever a caller forgot to escape."""
    return text.replace("<!", "&lt;!")


def _fallback(text: str) -> str:
    """A message's notification text: everything escaped except the bot's own mentions."""
    parts = _MENTION.split(text)
    return "".join(p if i % 2 else escape(p) for i, p in enumerate(parts))


def mention(kind: str, ident: str | None) -> str | None:
    """``<@U…>`` / ``<#C…>`` for a well-formed Slack id, else ``None``."""
    if ident and re.fullmatch(r"[A-Z0-9]{2,20}", ident):
        return f"<{kind}{ident}>"
    return None


def truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    # never leave half an escape sequence (&amp;) at the end
    amp = cut.rfind("&", max(0, len(cut) - 5))
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


def quote(words: str) -> str:
    words = " ".join(words.split())
    return f"“{escape(truncate(words, MAX_QUOTE))}”"


def safe_url(url: str) -> str:
    """A URL fit for ``<url|label>``: characters that would break the link are %-encoded."""
    return (
        url.strip().replace(" ", "%20").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
    )


def link(url: str | None, label: str) -> str:
    if not url or not url.lower().startswith(("http://", "https://", "mailto:")):
        return escape(label)
    return f"<{safe_url(url)}|{escape(label).replace('|', '¦')}>"


def plural(n: int, word: str, plural_word: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural_word or word + 's')}"


def header(text: str) -> Block:
    return {
        "type": "header",
        "text": {"type": "plain_text", "text": truncate(escape(text), MAX_HEADER), "emoji": True},
    }


def section(text: str) -> Block:
    safe = truncate(_no_broadcast(text), MAX_SECTION_TEXT)
    return {"type": "section", "text": {"type": "mrkdwn", "text": safe}}


def fields_section(fields: Sequence[str]) -> Block:
    return {
        "type": "section",
        "fields": [
            {"type": "mrkdwn", "text": truncate(_no_broadcast(f), MAX_FIELD_TEXT)}
            for f in fields[:MAX_FIELDS]
        ],
    }


def context(*texts: str) -> Block:
    return {
        "type": "context",
        "elements": [
            {"type": "mrkdwn", "text": truncate(_no_broadcast(t), MAX_SECTION_TEXT)}
            for t in texts[:MAX_CONTEXT_ELEMENTS]
        ],
    }


def divider() -> Block:
    return {"type": "divider"}


def message(text: str, blocks: list[Block]) -> Message:
    assert len(blocks) <= MAX_BLOCKS, len(blocks)
    return {"text": truncate(_fallback(text), MAX_FALLBACK), "blocks": blocks}


# -- review ----------------------------------------------------------------------------------------


def verdict_label(review: Review) -> str:
    return review.verdict.label


def score_line(review: Review) -> str:
    return f"{review.score:.0f}/100 · {verdict_label(review)}"


def review_title(review: Review, title: str | None = None) -> str:
    icon = _VERDICT_ICON.get(review.verdict, "")
    name = title or "Brand check"
    return f"{icon} {name}: {score_line(review)}".strip()


def fallback_text(review: Review, *, title: str | None = None, limit: int = 5) -> str:
    """Plain text for notifications and clients without Block Kit (user text escaped)."""
    lines = [f"{escape(title or 'Brand check')}: {score_line(review)}"]  # a file's name
    if review.language is not None and not review.language.english:
        lines.append(escape(review.language.note))
    if review.findings:
        lines.append(f"{plural(len(review.findings), 'suggestion')}:")
        for f in _sorted(review.findings)[:limit]:
            fix = f" → {escape(f.suggestions[0])}" if f.suggestions else ""
            where = f"{quote(f.display)}: " if f.matched.strip() else ""
            lines.append(f"• {where}{escape(f.message)}{fix}")
        if len(review.findings) > limit:
            lines.append(f"+{len(review.findings) - limit} more")
    else:
        lines.append("No suggestions: on brand.")
    return truncate("\n".join(lines), MAX_FALLBACK)


def _sorted(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (-f.severity.rank, f.span.start, f.rule_id))


def overview_fields(review: Review) -> list[str]:
    fields = [f"*Score*\n{review.score:.0f}/100", f"*Verdict*\n{verdict_label(review)}"]
    if review.language is not None and review.language.note:
        fields.append("*Language*\n" + escape(truncate(review.language.note, 200)))
    if review.tone is not None:
        t = review.tone
        tone = [f"formality {t.formality:.2f}", f"confidence {t.confidence:.2f}"]
        if t.voice_match is not None:
            tone.append(f"voice match {t.voice_match:.2f}")
        top = sorted(t.emotions.items(), key=lambda kv: -kv[1])[:2]
        tone += [f"{escape(k)} {v:.2f}" for k, v in top if v >= 0.2]
        fields.append("*Tone*\n" + ", ".join(tone))
    elif "tone" in review.skipped:
        fields.append("*Tone*\n_not analysed_")
    if review.sentiment is not None:
        s = review.sentiment
        fields.append(f"*Sentiment*\n{escape(s.label)} ({s.confidence:.0%})")
    elif "sentiment" in review.skipped:
        fields.append("*Sentiment*\n_not analysed_")
    if review.entities:
        names: list[str] = []
        for e in review.entities:
            label = f"{escape(truncate(e.canonical or e.text, 40))} ({escape(e.label)})"
            if label not in names:
                names.append(label)
        shown = ", ".join(names[:8]) + (f" +{len(names) - 8} more" if len(names) > 8 else "")
        fields.append("*Entities*\n" + shown)
    if review.category_scores:
        cats = ", ".join(
            f"{escape(_CATEGORY_TITLE.get(k, k))} {v:.0f}"
            for k, v in sorted(review.category_scores.items())
        )
        fields.append("*Categories*\n" + cats)
    return fields[:MAX_FIELDS]


def finding_line(f: Finding, guide_link: str | None = None) -> str:
    # whole-draft findings (readability, length) quote no words
    where = f"{quote(f.display)} — " if f.matched.strip() else ""
    line = f"{_SEVERITY_ICON.get(f.severity, '•')} {where}{escape(f.message)}"
    if f.suggestions:
        shown = " / ".join(f"*{escape(truncate(s, 60))}*" for s in f.suggestions[:3])
        line += f"\n      → {shown}"
    url = f.link or guide_link
    if url:
        line += f"  {link(url, 'guide')}"
    return line


def findings_blocks(
    findings: Sequence[Finding], *, budget: int, guide_link: str | None = None
) -> list[Block]:
    """Findings grouped by category, packed into sections; never more than ``budget`` blocks
    (the last one says how many were left out)."""
    if budget <= 0 or not findings:
        return []
    groups: dict[str, list[Finding]] = {}
    for f in _sorted(findings):
        groups.setdefault(f.category, []).append(f)
    order = sorted(groups, key=lambda c: (-max(f.severity.rank for f in groups[c]), c))

    blocks: list[Block] = []
    shown = 0
    usable = budget - 1  # keep one block for the "+N more" summary
    for cat in order:
        if len(blocks) >= usable:
            break
        items = groups[cat]
        title = f"*{escape(_CATEGORY_TITLE.get(cat, cat.title()))}* ({len(items)})"
        text = title
        for f in items:
            line = finding_line(f, guide_link)
            if len(text) + 1 + len(line) > MAX_SECTION_TEXT:
                if len(blocks) + 1 >= usable:
                    break
                blocks.append(section(text))
                text = ""
            text = f"{text}\n{line}" if text else line
            shown += 1
        blocks.append(section(text))
    rest = len(findings) - shown
    if rest > 0:
        blocks.append(context(f"+{plural(rest, 'more suggestion')} not shown"))
    return blocks[:budget]


def review_message(
    review: Review,
    *,
    title: str | None = None,
    guide_link: str | None = None,
    note: str | None = None,
    tail: Sequence[Block] = (),
) -> Message:
    """The full review: header, overview fields, findings by category, a context footer, then
    ``tail`` (the sign-off and vote controls; their room is kept out of the findings' budget)."""
    blocks: list[Block] = [header(review_title(review, title))]
    if note:
        blocks.append(section(note))
    blocks.append(fields_section(overview_fields(review)))
    if review.findings:
        blocks.append(divider())
        footer = _footer(review)
        budget = MAX_BLOCKS - len(blocks) - (1 if footer else 0) - len(tail) - 1
        blocks += findings_blocks(review.findings, budget=budget, guide_link=guide_link)
        if footer:
            blocks.append(footer)
    else:
        blocks.append(section(":sparkles: No suggestions — this reads on brand."))
        footer = _footer(review)
        if footer:
            blocks.append(footer)
    blocks += tail
    return message(fallback_text(review, title=title), blocks)


def _footer(review: Review) -> Block | None:
    bits = [f"{plural(review.word_count, 'word')}"]
    if review.profile:
        bits.append(f"profile *{escape(review.profile)}*")
    if review.skipped:
        reasons = sorted(set(review.skipped.values()))
        bits.append("not analysed: " + escape(truncate("; ".join(reasons), 300)))
    if review.backends:  # hosted inference: which backend ran, and why it fell back
        used = "; ".join(f"{a}: {b}" for a, b in sorted(review.backends.items()))
        bits.append(escape(truncate(used, 300)))
    return context(" · ".join(bits))


def update_message(
    review: Review,
    diff: ReviewDiff,
    *,
    guide_link: str | None = None,
    version: int = 2,
    tail: Sequence[Block] = (),
    extra_note: str | None = None,
) -> Message:
    """The review of an edited draft: the change since last time and which findings were fixed."""
    delta = diff.score_delta
    arrow = ":arrow_up:" if delta > 0 else ":arrow_down:" if delta < 0 else ":left_right_arrow:"
    note = f"{arrow} *{delta:+.0f}* since the last version (edit {version - 1})"
    if diff.fixed:
        # several rules on one sentence or word: the text once, with how many were fixed there
        places: dict[str, int] = {}
        for f in diff.fixed:
            label = quote(f.display) if f.matched.strip() else escape(truncate(f.message, 60))
            places[label] = places.get(label, 0) + 1
        fixed = ", ".join(
            label + (f" (×{n})" if n > 1 else "") for label, n in list(places.items())[:10]
        )
        more = f" +{len(places) - 10} more" if len(places) > 10 else ""
        note += f"\n:white_check_mark: Fixed {plural(len(diff.fixed), 'finding')}: {fixed}{more}"
    if diff.new:
        note += f"\n:new: {plural(len(diff.new), 'new finding')}"
    if extra_note:
        note += "\n" + extra_note
    msg = review_message(
        review, title="Brand check (updated)", guide_link=guide_link, note=note, tail=tail
    )
    fixed_txt = f", fixed {len(diff.fixed)}" if diff.fixed else ""
    msg["text"] = truncate(
        f"Brand check (updated): {score_line(review)} ({delta:+.0f}{fixed_txt})\n"
        + msg["text"].split("\n", 1)[-1],
        MAX_FALLBACK,
    )
    return msg


def alert_message(
    review: Review,
    *,
    author: str | None,
    channel: str,
    permalink: str | None,
    reasons: Sequence[str],
    top: int = 3,
    tail: Sequence[Block] = (),
) -> Message:
    who = mention("@", author) or "someone"
    where = mention("#", channel) or escape(channel)
    title = f":rotating_light: Brand alert: {score_line(review)}"
    blocks: list[Block] = [
        header(title),
        section(f"A draft by {who} in {where} needs attention: " + escape("; ".join(reasons))),
        fields_section(
            [
                f"*Author*\n{who}",
                f"*Channel*\n{where}",
                f"*Score*\n{review.score:.0f}/100",
                f"*Verdict*\n{verdict_label(review)}",
            ]
        ),
    ]
    if review.findings:
        lines = [finding_line(f) for f in _sorted(review.findings)[:top]]
        rest = len(review.findings) - top
        if rest > 0:
            lines.append(f"+{plural(rest, 'more suggestion')}")
        blocks.append(section("*Top findings*\n" + "\n".join(lines)))
    if permalink:
        blocks.append(section(f"{link(permalink, 'Open the thread')}"))
    blocks += tail
    text = (
        f"Brand alert: a draft by {who} in {where} scored {review.score:.0f}/100 "
        f"({verdict_label(review)}): {escape('; '.join(reasons))}"
    )
    if permalink:
        text += f" {safe_url(permalink)}"
    return message(text, blocks)


def deleted_message() -> Message:
    text = "The draft was deleted, so its brand review was removed."
    return message(text, [context(":wastebasket: " + text)])


def notice_message(text: str) -> Message:
    return message(text, [section(text)])


def apology_message(reference: str, note: str | None = None) -> Message:
    """``note``: what the failure leaves behind, in mrkdwn (the review in the thread is of an
    earlier version, how to try again)."""
    text = (
        f"Sorry, something went wrong while checking this. Reference: `{escape(reference)}` "
        "(give it to whoever runs brandbot)."
    )
    if note:
        text += " " + note
    return message(text, [section(":warning: " + text)])


def busy_message() -> Message:
    text = "brandbot is busy right now and could not take this draft. Please try again in a minute."
    return message(text, [section(":hourglass: " + text)])


# -- help and guide --------------------------------------------------------------------------------


def help_message(
    command: str = "/brandcheck", reaction: str = "mag", *, admin: bool = False
) -> Message:
    """The ``help`` answer; ``admin``: also the commands only admins may use."""
    c = escape(command)
    lines = [
        f"*{c} &lt;draft&gt;* — review a draft privately",
        f"*{c} profile &lt;name&gt; &lt;draft&gt;* — review against a named profile",
        f"*{c} guide* — summary of the brand guide",
        f"*{c} stats [#channel | @person] [--days N]* — score trend and common findings, "
        "with a chart, by DM",
        f"*{c} admin list* — which channels are watched, and with which profile",
    ]
    if admin:
        lines += [
            f"*{c} admin watch #channel [profile]* — watch a channel (admins only)",
            f"*{c} admin unwatch #channel* — stop watching a channel (admins only)",
        ]
    lines += [
        f"*{c} help* — this help",
        "Also: the message shortcut *Check brand voice* on any message, @mention me "
        f"(in a thread I review its first message), or react with :{escape(reaction)}:.",
    ]
    admin_usage = " | admin watch|unwatch|list" if admin else " | admin list"
    return message(
        f"Usage: {command} <draft> | profile <name> <draft> | guide | stats{admin_usage} | help",
        [header("brandbot — brand voice checks"), section("\n".join(lines))],
    )


def guide_message(guide: Any, *, reviewer_status: str | None = None) -> Message:
    """A summary of the active guide: voice, key terms, thresholds, profiles."""
    name = str(getattr(guide, "name", "") or "Brand guide")
    blocks: list[Block] = [header(f"Brand guide: {name}")]
    voice = getattr(guide, "voice", None)
    description = str(getattr(voice, "description", "") or "").strip()
    if description:
        blocks.append(section("*Voice*\n" + escape(truncate(description, 1500))))

    fields: list[str] = []
    products = [str(getattr(p, "name", p)) for p in getattr(guide, "products", ()) or ()]
    if products:
        fields.append("*Products (exact casing)*\n" + _names(products))
    preferred = getattr(guide, "preferred", ()) or ()
    if preferred:
        pairs = [
            f"{escape(_term(p.variants[0], p))} → {escape(str(p.preferred))}"
            for p in preferred
            if getattr(p, "variants", None)
        ]
        fields.append("*Preferred terms*\n" + _names(pairs, escaped=True))
    banned = [_term(getattr(b, "term", b), b) for b in getattr(guide, "banned", ()) or ()]
    if banned:
        fields.append("*Banned terms*\n" + _names(banned))
    competitors = [str(getattr(c, "name", c)) for c in getattr(guide, "competitors", ()) or ()]
    if competitors:
        fields.append("*Competitors (never named)*\n" + _names(competitors))
    thresholds = getattr(guide, "thresholds", None)
    if thresholds is not None:
        fields.append(
            f"*Thresholds*\npass ≥ {getattr(thresholds, 'pass_score', 0):.0f}, "
            f"alert &lt; {getattr(thresholds, 'alert_score', 0):.0f}"
        )
    profiles = list((getattr(guide, "profiles", {}) or {}).keys())
    if profiles:
        fields.append("*Profiles*\n" + _names(profiles))
    if fields:
        blocks.append(fields_section(fields))
    links: Mapping[str, str] = getattr(guide, "links", {}) or {}
    if links:
        blocks.append(context(" · ".join(link(u, k) for k, u in list(links.items())[:8])))
    if reviewer_status:
        blocks.append(context(escape(reviewer_status)))
    text = f"Brand guide: {name}. " + (
        f"Products: {', '.join(products[:10])}. " if products else ""
    )
    return message(escape(text), blocks)


def _term(value: Any, entry: Any) -> str:
    """A guide term as a copywriter reads it: regex variants as the words they match."""
    text = str(value)
    return readable_pattern(text) if getattr(entry, "regex", False) else text


def _names(items: Sequence[str], *, limit: int = 12, escaped: bool = False) -> str:
    shown = [i if escaped else escape(i) for i in items[:limit]]
    more = f" +{len(items) - limit} more" if len(items) > limit else ""
    return truncate(", ".join(shown) + more, MAX_FIELD_TEXT - 60)
