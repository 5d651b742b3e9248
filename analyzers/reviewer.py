"""Runs every analyzer over a batch of drafts, merges the findings and scores the result."""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Iterable, Sequence

from analyzers.entities import analyze_entities
from analyzers.guide import BrandGuide
from analyzers.incidents import incident
from analyzers.language import detect_language, skip_reason, split_languages, with_short_foreign
from analyzers.models.base import ModelInput, ModelOutput, ModelSuite
from analyzers.profanity import RULE_PROFANITY
from analyzers.prose import has_prose
from analyzers.rules import Alert, Rule, RuleBudget, load_rule, load_style, run_rules
from analyzers.rules.base import VocabRule, within
from analyzers.rules.registry import avoid_rule, read_terms, terms_rule
from analyzers.rules.spelling import Spelling, brand_spelling_rule
from analyzers.scoring import category_scores, overall_score, verdict
from analyzers.text import PlainText, split_sentences, to_plain, word_count, word_prefix_end
from analyzers.types import (
    Category,
    Draft,
    Entity,
    Finding,
    Language,
    Review,
    SentenceScore,
    SentimentResult,
    SourceFormat,
    Span,
    ToneProfile,
    Verdict,
)

log = logging.getLogger(__name__)

MODEL_CATEGORIES = (Category.SENTIMENT.value, Category.TONE.value, Category.ENTITIES.value)
# Rule types that read English: the readability formula (syllables) and the claim checks. Vale
# styles are English too; the guide's own terms and the vocabularies are language-neutral.
ENGLISH_ONLY_RULES = frozenset({"metric", "readability", "brand-claims", "spelling"})

NO_PROSE_DRAFT = "no prose (only markup, emoji or symbols)"
MAX_REVIEW_WORDS = 5_000  # a longer draft is reviewed up to here, and the review says so
# ... and up to this many characters of its text per word allowed: words joined by hyphens
# ("cheap-cheap-…", 627 kB) count as one, and reached every rule whole
CHARS_PER_WORD = 20
RAW_CHARS_PER_WORD = 160  # the most of the source converted to find the cut (800 kB)
MAX_FINDINGS_PER_RULE = 100  # more of one rule are counted in a note, not listed
INCOMPLETE_NOTES = ("rules that timed out", "rules after the time budget")
RULES_BUDGET_S = 10.0  # per draft: no rule is started after this (regexes have their own limit)


class Reviewer:
    """Reviews drafts against a brand guide. Synchronous and CPU-bound: callers that live on an
    event loop run it in an executor (the bot does)."""

    def __init__(
        self,
        guide: BrandGuide,
        models: ModelSuite | None = None,
        *,
        models_status: str = "",
        max_words: int = MAX_REVIEW_WORDS,
        rules_budget_s: float = RULES_BUDGET_S,
    ) -> None:
        self.guide = guide
        self.models = models
        self.max_words = max_words
        self.rules_budget_s = rules_budget_s
        if models_status:
            self.models_status = models_status
        elif models is not None:
            self.models_status = f"models: {getattr(models, 'name', type(models).__name__)}"
        else:
            self.models_status = "rules only: no models configured"
        self._rules: dict[tuple[str | None, bool], tuple[Rule, ...]] = {}
        self._word_names: dict[str | None, frozenset[str]] = {}
        self._lock = threading.Lock()

    # -- public API -------------------------------------------------------------------------

    def replace_guide(self, guide: BrandGuide) -> None:
        """Review against ``guide`` from now on (a guide reloaded without a restart): the
        compiled rules are dropped and recompiled on first use. A review already running keeps
        the guide and rules it started with."""
        with self._lock:
            self.guide = guide
            self._rules = {}
            self._word_names = {}

    def rules(self, profile: str | None = None, *, english: bool = True) -> tuple[Rule, ...]:
        """The compiled rule set for a profile (compiled once, then cached); with
        ``english=False`` only the rules that do not read English (:func:`language_neutral`)."""
        with self._lock:
            cached = self._rules.get((profile, english))
            if cached is None:
                everything = self._rules.get((profile, True))
                if everything is None:
                    everything = compile_rules(self._guide_for(profile))
                    self._rules[(profile, True)] = everything
                cached = everything if english else language_neutral(everything)
                self._rules[(profile, english)] = cached
            return cached

    def review_one(self, draft: Draft, *, profile: str | None = None) -> Review:
        return self.review([draft], profile=profile)[0]

    def review(self, drafts: Sequence[Draft], *, profile: str | None = None) -> list[Review]:
        start = time.perf_counter()
        guide = self._guide_for(profile)
        rules = self.rules(profile)

        t0 = time.perf_counter()
        notes: list[dict[str, str]] = [{} for _ in drafts]
        docs = [self._capped(d, note) for d, note in zip(drafts, notes, strict=True)]
        sentences = [tuple(split_sentences(doc.text)) for doc in docs]
        parse_s = (time.perf_counter() - t0) / max(len(drafts), 1)

        t0 = time.perf_counter()
        languages = [detect_language(doc.text) if has_prose(doc.text) else None for doc in docs]
        # a draft that mixes languages: its foreign sentences are left out (analyzers.language)
        foreign: list[tuple[tuple[int, int], ...]] = [() for _ in docs]
        for k, (doc, lang) in enumerate(zip(docs, languages, strict=True)):
            if lang is not None:
                languages[k], foreign[k] = split_languages(doc.text, sentences[k], lang)
        language_s = (time.perf_counter() - t0) / max(len(drafts), 1)

        t0 = time.perf_counter()
        neutral = self.rules(profile, english=False)
        english_only = {r.name for r in rules} - {r.name for r in neutral}
        spellers = [r for r in rules if isinstance(r, Spelling)]

        def unknown(sentence: str) -> int:
            return max((len(r.misspelled(sentence, names=False)) for r in spellers), default=0)

        alerts = []
        for k, (doc, note, lang) in enumerate(zip(docs, notes, languages, strict=True)):
            chosen = rules if lang is None or lang.english else neutral
            budget = RuleBudget(self.rules_budget_s)
            found_alerts = run_rules(chosen, doc, budget)
            if lang is not None:  # a short greeting in another language ("Viel Spaß!")
                languages[k], foreign[k] = with_short_foreign(
                    doc.text, sentences[k], lang, foreign[k], unknown
                )
            away = foreign[k]
            if away:  # an English-only rule says nothing about a sentence in another language
                found_alerts = [
                    a
                    for a in found_alerts
                    if a.check not in english_only or not within(away, a.start, a.end)
                ]
            alerts.append(found_alerts)
            if budget.timed_out:
                note["rules that timed out"] = (
                    f"{', '.join(budget.timed_out)}: a pattern took too long on this draft"
                )
            if budget.exhausted:
                note["rules after the time budget"] = (
                    f"the rule check stopped after {self.rules_budget_s:g} s "
                    f"({budget.rules_run} of {len(chosen)} rules ran)"
                )
        rules_s = (time.perf_counter() - t0) / max(len(drafts), 1)

        english_sentences = [
            tuple(r for r in sents if r not in away) if away else sents
            for sents, away in zip(sentences, foreign, strict=True)
        ]
        outputs = self._run_models(
            docs, english_sentences, guide, languages, [d.id for d in drafts]
        )
        total_s = (time.perf_counter() - start) / max(len(drafts), 1)

        reviews = []
        for draft, doc, doc_alerts, out, lang, note in zip(
            drafts, docs, alerts, outputs, languages, notes, strict=True
        ):
            timings = {
                "parse": parse_s,
                "language": language_s,
                "rules": rules_s,
                **out.timings,
                "total": total_s,
            }
            doc_alerts = _names_the_model_knows(doc_alerts, out.entities, spellers)
            review = self._assemble(draft, doc, doc_alerts, out, guide, timings, lang, note)
            if note:
                review = dataclasses.replace(review, skipped={**review.skipped, **note})
            reviews.append(review)
        return reviews

    def _capped(self, draft: Draft, note: dict[str, str]) -> PlainText:
        """The text of the draft, up to its first ``max_words`` words and ``CHARS_PER_WORD``
        characters a word, counted in the text as read, not in the markup (a page with 5,600
        words of inline script had its body cut away, and passed). The cut is a prefix of the
        source, so every span still points into the original; ``note`` says what was left
        out. Only a window of the source is converted (twice the words allowed, grown while
        markup fills it, at most ``RAW_CHARS_PER_WORD`` characters a word): a 5 MB Markdown
        upload is not converted whole to review its first pages."""
        text = draft.text
        max_chars = self.max_words * CHARS_PER_WORD
        raw_limit = self.max_words * RAW_CHARS_PER_WORD
        window = min(word_prefix_end(text, 2 * self.max_words) or len(text), raw_limit)
        while True:
            doc = to_plain(text[:window], draft.format)
            cut = word_prefix_end(doc.text, self.max_words)
            if window >= len(text):
                break
            if cut is not None or len(doc.text) > max_chars:
                if window >= raw_limit:
                    break
                closed = (
                    _past_open_markup(text, window)
                    if draft.format in (SourceFormat.MARKDOWN, SourceFormat.HTML)
                    else window
                )
                if closed > window:
                    window = min(closed, raw_limit)  # read the open block whole, then cut
                    continue
                if self._prefix_holds(draft, window, doc.text, cut):
                    break
                window = min(2 * window, len(text), raw_limit)
                continue
            if window >= raw_limit:
                note[f"source after {raw_limit:,} characters"] = (
                    f"reviewed the first {raw_limit:,} characters of the source "
                    f"({len(text):,}): markup filled them; send the rest as a separate draft"
                )
                return doc
            window = min(2 * window, len(text), raw_limit)
        whole = window >= len(text)
        if cut is not None:
            total = word_count(doc.text if whole else text)
            of = f"{total:,}" if whole or draft.format is SourceFormat.PLAIN else f"about {total:,}"
            note[f"words after {self.max_words:,}"] = (
                f"reviewed the first {self.max_words:,} words of {of}; "
                "send the rest as a separate draft"
            )
        elif len(doc.text) > max_chars:
            cut = max_chars
            note[f"characters after {max_chars:,}"] = (
                f"reviewed the first {max_chars:,} characters"
                f"{f' of {len(doc.text):,}' if whole else ''}; send the rest as a separate draft"
            )
        else:
            return _noted(doc, note)
        end = doc.to_original(cut, cut).start
        return _noted(to_plain(text[:end], draft.format), note)

    def _prefix_holds(self, draft: Draft, window: int, read: str, cut: int | None) -> bool:
        """Whether the text read from ``text[:window]`` up to the cut is what a larger window
        reads too. A Markdown window that ends inside a ``<style>``, a ``<script>`` or a comment
        leaves it open, and an unclosed one is text: 15,000 words of a comment were reviewed and
        the visible body after it was not (and the draft passed)."""
        if draft.format is SourceFormat.PLAIN:
            return True  # plain text reads as written: a prefix reads as a prefix
        upto = cut if cut is not None else self.max_words * CHARS_PER_WORD
        bigger = min(2 * window, len(draft.text), self.max_words * RAW_CHARS_PER_WORD)
        return to_plain(draft.text[:bigger], draft.format).text[:upto] == read[:upto]

    # -- internals ------------------------------------------------------------------------

    def _word_rules(self, profile: str | None) -> frozenset[str]:
        names = self._word_names.get(profile)
        if names is None:
            names = word_rule_names(self.rules(profile))
            with self._lock:
                self._word_names[profile] = names
        return names

    def _guide_for(self, profile: str | None) -> BrandGuide:
        return self.guide.with_profile(profile) if profile else self.guide

    def _run_models(
        self,
        docs: Sequence[PlainText],
        sentences: Sequence[tuple[tuple[int, int], ...]],
        guide: BrandGuide,
        languages: Sequence[Language | None],
        sources: Sequence[str | None] = (),
    ) -> list[ModelOutput]:
        if self.models is None:
            return [_rules_only(doc, guide, self.models_status) for doc in docs]
        # a draft in another language never reaches the English-only models
        outputs: list[ModelOutput | None] = [
            None if lang is None or lang.english else _rules_only(doc, guide, skip_reason(lang))
            for doc, lang in zip(docs, languages, strict=True)
        ]
        ids = list(sources) or [None] * len(docs)
        todo = [i for i, o in enumerate(outputs) if o is None]
        inputs = [ModelInput(docs[i], sentences[i], ids[i]) for i in todo]
        try:
            results = self.models.analyze(inputs, guide) if inputs else []
            if len(results) != len(inputs):
                raise RuntimeError(f"model suite returned {len(results)} results for {len(inputs)}")
        except Exception as exc:  # a model failure never takes the rules down with it
            reason = incident("model analysis failed", exc)
            results = [_rules_only(docs[i], guide, reason) for i in todo]
        for i, out in zip(todo, results, strict=True):
            outputs[i] = out
        return [o for o in outputs if o is not None]

    def _assemble(
        self,
        draft: Draft,
        doc: PlainText,
        alerts: Sequence[Alert],
        out: ModelOutput,
        guide: BrandGuide,
        timings: dict[str, float],
        language: Language | None = None,
        note: dict[str, str] | None = None,
    ) -> Review:
        # a rule never flags what a mention placeholder ("@user") stands for
        findings = [
            _alert_to_finding(a, doc) for a in alerts if not doc.in_placeholder(a.start, a.end)
        ]
        findings += [_remap_finding(f, doc) for f in out.findings]
        findings = _dedupe(findings, self._word_rules(guide.profile))
        findings.sort(key=lambda f: (f.span.start, f.span.end, -f.severity.rank, f.rule_id))

        words = word_count(doc.text)
        analysed = [
            c
            for c in guide.weights or {c.value: 1.0 for c in Category}
            if not (c in MODEL_CATEGORIES and c in out.skipped)
        ]
        if language is not None and not language.english:
            # the readability formula reads English; it did not run
            analysed = [c for c in analysed if c != Category.READABILITY.value]
        if not analysed:
            analysed = [c.value for c in Category if c.value not in MODEL_CATEGORIES]
        scores = category_scores(findings, words, analysed)
        # a finding in a category the guide does not weight still lowers that category's score
        score = overall_score(scores, guide.weights)
        skipped = dict(out.skipped)
        result = verdict(
            score, findings, guide.thresholds.pass_score, guide.thresholds.alert_score, scores
        )
        if language is not None and not language.english and result is Verdict.PASS:
            # never a Pass on what could not be read; rule problems still need work
            result = Verdict.NOT_REVIEWED
        if result is Verdict.PASS and note and any(k in note for k in INCOMPLETE_NOTES):
            # a rule that did not run found nothing, which is not the same as nothing to find
            # (80,000 banned words timed the rule out and the draft passed)
            result = Verdict.NEEDS_WORK
        if words == 0 and result is Verdict.PASS:
            # only markup, emoji or symbols (a comment, an image, a code block): nothing was
            # read, so neither a Pass nor a failing score; what a rule found is still listed
            result = Verdict.NOT_REVIEWED
            skipped.setdefault("review", NO_PROSE_DRAFT)
        # every finding counts in the score; only the list is capped (capping first raised the
        # score of 1,000 banned words from 69 to 74, past a --fail-under 70)
        findings = _capped_findings(findings, note if note is not None else {})
        return Review(
            draft=draft,
            findings=tuple(findings),
            category_scores=scores,
            score=score,
            verdict=result,
            word_count=words,
            profile=guide.profile,
            sentiment=_remap_sentiment(out.sentiment, doc),
            tone=_remap_tone(out.tone, doc),
            entities=tuple(_remap_entity(e, doc) for e in out.entities),
            timings={k: round(v, 6) for k, v in timings.items()},
            skipped=skipped,
            language=language,
            backends=dict(out.backends),
        )


def language_neutral(rules: Sequence[Rule]) -> tuple[Rule, ...]:
    """The rules that do not read English: the guide's own terms, product names, sentence
    length and exclamations, and the vocabularies (``Vale.Terms`` / ``Vale.Avoid``); not the
    readability formula, the claim checks or Vale styles."""
    return tuple(
        r
        for r in rules
        if r.name.startswith(("Brand.", "Vale.")) and r.extends not in ENGLISH_ONLY_RULES
    )


def _rules_only(doc: PlainText, guide: BrandGuide, reason: str) -> ModelOutput:
    """Without models, the guide's gazetteer still finds competitors and product names: only
    the model-backed part of the entity analysis is skipped."""
    t0 = time.perf_counter()
    entities, findings = analyze_entities(doc.text, (), guide)
    return ModelOutput(
        findings=findings,
        entities=entities,
        timings={"entities": time.perf_counter() - t0},
        skipped={"sentiment": reason, "tone": reason, "entities (model)": reason},
    )


def compile_rules(guide: BrandGuide) -> tuple[Rule, ...]:
    """The guide's terminology compiled to Vale rules, plus its Vale styles and vocabularies."""
    source = str(guide.source) if guide.source else "<guide>"
    rules: list[Rule] = [
        load_rule(name, data, source=source) for name, data in guide.rule_definitions()
    ]
    for style_dir in guide.styles:
        rules.extend(load_style(style_dir.parent, style_dir.name))
    accepted_terms: list[str] = []
    for folder in guide.vocabularies:
        # the guide names the folder that holds accept.txt / reject.txt (Vale's vocabulary layout)
        src = str(folder)
        accepted_terms.extend(read_terms(folder / "accept.txt"))
        accepted = terms_rule(read_terms(folder / "accept.txt"), source=src)
        rejected = avoid_rule(read_terms(folder / "reject.txt"), source=src)
        rules.extend(r for r in (accepted, rejected) if r is not None)
    if guide.accepted:
        # the guide's own accepted words (issue 13: the team's "not an issue" votes, accepted
        # by the brand owner) are exceptions to its word rules, as Vale's accept.txt is
        for rule in rules:
            if isinstance(rule, VocabRule):
                rule.accept(list(guide.accepted))
        accepted_terms.extend(guide.accepted)
    if guide.spelling:
        names = [*guide.brand_names, *(p.name for p in guide.products)]
        names += [a for p in guide.products for a in p.aliases]
        names += [t.preferred for t in guide.preferred]
        # competitors are reported by the entity analyzer, not as misspellings
        names += [n for c in guide.competitors for n in (c.name, *c.aliases)]
        speller = brand_spelling_rule(
            names, accepted_terms, source=source, dictionaries=guide.dictionaries
        )
        if speller is not None:
            rules.append(speller)
    return tuple(rules)


# what the entity model reads as a name of someone or something: not a word to spell-check
_NAME_LABELS = frozenset({"PER", "ORG", "PRODUCT", "LOC"})


def _names_the_model_knows(
    alerts: Sequence[Alert], entities: Sequence[Entity], spellers: Sequence[Spelling]
) -> list[Alert]:
    """The alerts, less the brand spelling rule's on a capitalised word that lies inside a name
    the entity model found ("Gitpod" opening a paragraph: a capital at the start of a sentence
    says nothing, the model does), unless it is a near miss of one of the guide's own names.
    On realcopy-dev this drops the 3 "Gitpod" alerts and none of 92 capitalised and lower-case
    typos ("Recieve", "Becuase"): the model reads none of them as a name."""
    brand = {r.name: r for r in spellers if r.skip_proper_nouns}
    spans = [e.span for e in entities if e.source == "model" and e.label in _NAME_LABELS]
    if not brand or not spans:
        return list(alerts)

    def named(alert: Alert) -> bool:
        rule = brand.get(alert.check)
        if rule is None or not alert.matched[:1].isupper() or rule.near_guide_name(alert.matched):
            return False
        return any(s.start <= alert.start and alert.end <= s.end for s in spans)

    return [a for a in alerts if not named(a)]


def _alert_to_finding(alert: Alert, doc: PlainText) -> Finding:
    if alert.original is not None:  # a raw-scope hit: the markup it matched, as written
        span = Span(*alert.original)
        excerpt = " ".join(span.slice(doc.original).split())
    else:
        span = doc.to_original(alert.start, alert.end)
        excerpt = " ".join(doc.text[alert.start : alert.end].split())
    return Finding(
        rule_id=alert.check,
        category=alert.category or Category.STYLE.value,
        severity=alert.severity,
        message=alert.message,
        span=span,
        matched=span.slice(doc.original) or alert.matched,
        suggestions=tuple(alert.suggestions),
        link=alert.link,
        action=alert.action,
        excerpt=excerpt,
    )


# markup whose content is hidden, up to its end tag: a Markdown window that ends inside one
# leaves it open, and an unclosed one is text
_HIDING_OPEN = re.compile(r"<!--|<(script|style|textarea|title|xmp|noscript)(?=[\s>/])", re.I)


def _noted(doc: PlainText, note: dict[str, str]) -> PlainText:
    """``doc``, with what its conversion did not read added to ``note`` (a page cut by an
    unclosed ``<!--`` shows nothing after it, in a browser and here: the writer is told why)."""
    if doc.notes:
        note["page cut"] = "; ".join(doc.notes)
    return doc


def _past_open_markup(text: str, window: int) -> int:
    """Where the last block of hiding markup open at ``window`` closes (``len(text)`` when it
    never does); ``window`` when none is open. One pass over the window."""
    pos = 0
    while (m := _HIDING_OPEN.search(text, pos, window)) is not None:
        end = "-->" if m.group(1) is None else f"</{m.group(1)}"
        close = re.compile(re.escape(end), re.I).search(text, m.end())
        if close is None:
            return len(text)
        if close.end() > window:
            return close.end()
        pos = close.end()
    return window


def _capped_findings(findings: list[Finding], note: dict[str, str]) -> list[Finding]:
    """At most ``MAX_FINDINGS_PER_RULE`` findings of one rule are listed (the first ones); the
    note counts the rest (16,666 findings of a hostile draft are no review to read)."""
    seen: Counter[str] = Counter(f.rule_id for f in findings)
    over = {rule: n for rule, n in seen.items() if n > MAX_FINDINGS_PER_RULE}
    if not over:
        return findings
    kept: Counter[str] = Counter()
    out = []
    for f in findings:
        kept[f.rule_id] += 1
        if kept[f.rule_id] <= MAX_FINDINGS_PER_RULE:
            out.append(f)
    for rule, n in sorted(over.items()):
        note[f"more {rule}"] = (
            f"{n - MAX_FINDINGS_PER_RULE:,} more {rule} findings are not listed "
            f"(the first {MAX_FINDINGS_PER_RULE} are)"
        )
    return out


def _map(span: Span, doc: PlainText) -> Span:
    end = min(span.end, len(doc.text))
    start = min(span.start, end)
    return doc.to_original(start, end)


def _remap_finding(f: Finding, doc: PlainText) -> Finding:
    span = _map(f.span, doc)
    excerpt = " ".join(doc.text[f.span.start : f.span.end].split())
    return dataclasses.replace(
        f, span=span, matched=span.slice(doc.original) or f.matched, excerpt=excerpt
    )


def _remap_entity(e: Entity, doc: PlainText) -> Entity:
    # the span points into the source; the name stays as the reader reads it ("Kamp & Lee",
    # not the page's "Kamp &amp; Lee", nor a link's markup)
    return dataclasses.replace(e, span=_map(e.span, doc))


def _remap_sentences(items: Iterable[SentenceScore], doc: PlainText) -> tuple[SentenceScore, ...]:
    return tuple(dataclasses.replace(s, span=_map(s.span, doc)) for s in items)


def _remap_sentiment(s: SentimentResult | None, doc: PlainText) -> SentimentResult | None:
    if s is None:
        return None
    return dataclasses.replace(s, sentences=_remap_sentences(s.sentences, doc))


def _remap_tone(t: ToneProfile | None, doc: PlainText) -> ToneProfile | None:
    if t is None:
        return None
    return dataclasses.replace(t, sentences=_remap_sentences(t.sentences, doc))


# Rules that report the same problem in different words: the guide's product-name rule and the
# entity gazetteer both catch a product written in the wrong casing or under an old alias.
EQUIVALENT_RULES: dict[str, str] = {
    "Entities.ProductCasing": "Brand.Products",
    "Entities.ProductSpelling": "Brand.Products",
}
# Rule types that flag a word or phrase as the wrong choice. Two of them on the same words (the
# guide bans "synergy", a Vale style calls it corporate speak) report one problem.
WORD_RULE_TYPES = frozenset({"existence", "substitution", "brand-terms"})
WORD_CHOICE = "word choice"
# Built-in rules that flag a word as the wrong choice: the profanity list and a style's cursing
# rule (or the guide's banned terms) on the same word report one problem.
WORD_CHOICE_RULES = frozenset({RULE_PROFANITY})


def word_rule_names(rules: Iterable[Rule]) -> frozenset[str]:
    """The names under which word-choice rules report (a ``brand-terms`` rule: its terms')."""
    names: set[str] = set()
    for r in rules:
        if r.extends in WORD_RULE_TYPES:
            names.add(r.name)
            names.update(t.name for t in getattr(r, "terms", ()))
    return frozenset(names)


def finding_kind(f: Finding, word_rules: frozenset[str] = frozenset()) -> str:
    """What a finding is about: its rule, or the rule it is declared equivalent to; every
    word-choice rule in ``word_rules`` is one kind."""
    rule = EQUIVALENT_RULES.get(f.rule_id, f.rule_id)
    return WORD_CHOICE if rule in word_rules or rule in WORD_CHOICE_RULES else rule


def _dedupe(findings: Iterable[Finding], word_rules: frozenset[str] = frozenset()) -> list[Finding]:
    """Merge findings of the same kind (:func:`finding_kind`) on the same span; keep the rest.

    When two analyzers report the same problem on the same words (the terminology rule and the
    entity gazetteer both catch product casing) the most severe one is kept, the guide's own
    rules win ties, and the suggestions of the others are carried over so no fix is lost.
    A word the guide itself bans or replaces keeps the guide's finding (its reason and link are
    the company's words), at the most severe level any rule gave it. Findings of different
    kinds never replace each other: a tone finding survives a sentiment finding on the same
    sentence."""
    groups: dict[tuple[Span, str], list[Finding]] = {}
    for f in findings:
        groups.setdefault((f.span, finding_kind(f, word_rules)), []).append(f)
    kept: list[Finding] = []
    for (_, kind), group in groups.items():
        group.sort(key=lambda f: (-f.severity.rank, not f.rule_id.startswith("Brand."), f.rule_id))
        source = group[0]
        guide_own = [f for f in group if f.rule_id.startswith("Brand.")]
        if kind == WORD_CHOICE and guide_own:
            source = guide_own[0]
        best = dataclasses.replace(source, severity=group[0].severity)
        others = [f for f in group if f is not source]
        extra = [s for f in others for s in f.suggestions if s not in best.suggestions]
        if extra:
            best = dataclasses.replace(best, suggestions=(*best.suggestions, *dict.fromkeys(extra)))
        kept.append(best)
    return kept
