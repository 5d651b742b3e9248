"""Candidate name spans: the model's entity spans repaired, plus names written like names.

The token heads tag word pieces, so on real company copy their spans break where the text does
not: "Node.js" comes back as "Node" + "." + "js", "Let's Encrypt" as "Let" and "Encrypt",
"OS X Mountain Lion" in three pieces, and a version number ("Go 1.18") is never part of the
name. :func:`candidate_spans` turns the model's spans into whole names, in this order:

1. **snap** every span to whole name tokens (letters, digits and the joiners ``. - + # / ' &``
   inside a word), without a trailing possessive ("Gitpod's" → "Gitpod");
2. **split** spans at a comma, " and ", " or ", " / " (two names listed together);
3. **trim** leading articles, greetings ("Hi Dana" → "Dana") and job titles ("CEO Ana Ruiz"
   → "Ana Ruiz");
4. **merge** spans that touch or are separated only by spaces or a contracted "'s" ("Let" +
   "'s " + "Encrypt"; never a possessive: "Cloudflare's UI" stays apart), and close a gap of
   one lower-case connector ("Windows Subsystem" + "for" + "Linux") when both sides are
   capitalised; a capitalised span right after "Let's" takes it in ("Encrypt" alone at the
   start of a sentence → "Let's Encrypt"; "Let's get started" names no one);
5. **attach** a version written right after the name ("Node.js 22", "Go 1.18", "Prometheus 2.x"),
   never a year, a percentage or a count ("Node.js 22 million"), and a following "team", "WG",
   "Foundation", "Inc." … ("the Go team" is an organisation);
6. **drop** what is not a name: job titles (CEO, VP …), greetings, generic technical
   acronyms (API, CLI, JSON, SHA1 …, see ``GENERIC_ACRONYMS``), imperatives at the start of a
   sentence ("Ping us", "Join the …"; a leading "Install" / "Meet" … is trimmed off a name),
   spans without a letter, and @-mentions / #hashtags (reported separately by
   :func:`mentions`).

Names the model missed but that are written like product names (CamelCase "GitLab", a
dotted name "Gitpod.io", letters and digits "V8") are added with the label ``""``: the span
typer (:mod:`analyzers.models.span_typer`) decides what each candidate is.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# a name token: starts with a letter or digit; may hold . - + # / ' & between word characters
# and may end in + or # ("C++", "C#")
_TOKEN = re.compile(r"[^\W_](?:[\w+#&]|[.\-/'’](?=[^\W_]))*(?:\+\+|#)?")
_POSSESSIVE = re.compile(r"(?:['’]s|s['’]|['’])$")
_SPLITTERS = re.compile(r"\s*,\s*|\s+(?:and|or|&)\s+|\s+/\s+|\s*;\s*")
_VERSION = re.compile(r"\s+(?P<v>[vV]?\d+(?:\.(?:\d+|x|X))*(?:-?(?:alpha|beta|rc)\d*)?)")


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_TEAM = re.compile(
    r"\s+(?:[Tt]eam|WG|Committee|Foundation|Council|Inc\.?|Corp\.?|Ltd\.?|LLC|GmbH)(?![\w-])"
)
_YEAR = re.compile(r"(?:19|20)\d\d$")
_COUNT_WORDS = _set(
    "% percent million millions billion thousand k m years year months month days day hours "
    "hour minutes weeks week times people users developers members companies x"
)
CONNECTORS = frozenset({"for", "of", "de", "la", "du", "von", "van"})
# "Let's", "It's", "Here's": the 's is a contraction ("let us", "it is"), not a possessive, so
# a name written with one continues after it
CONTRACTED = frozenset({"let", "it", "that", "there", "here", "what", "who", "where", "how"})
ARTICLES = frozenset({"the", "a", "an", "our", "your", "their", "its", "my", "this", "that"})
GREETINGS = _set(
    "hi hello hey dear thanks thank thx welcome congrats congratulations cheers bye "
    "goodbye greetings howdy yo"
)
# the last word of a role ("Senior Backend Engineer", "Head of Developer Relations")
ROLE_HEADS = _set(
    "engineer engineers developer developers designer designers manager managers director "
    "directors officer officers architect architects scientist scientists analyst analysts "
    "recruiter recruiters intern interns advocate advocates specialist specialists writer "
    "writers editor editors consultant consultants coordinator coordinators administrator "
    "administrators president vice-president founder founders cofounder co-founder "
    "representative associate strategist marketer evangelist"
)
JOB_TITLES = _set(
    "ceo coo cfo cto cmo cio ciso cpo cro cso cdo chro vp svp evp avp gm md "
    "president chair chairman chairwoman chairperson founder cofounder co-founder director "
    "manager engineer head lead chief officer principal intern recruiter"
)
# generic technical terms written in capitals: never names (of a product or of anything else)
GENERIC_ACRONYMS = _set(
    "API APIs SDK SDKs CLI CLIs IDE IDEs UI UX GUI CI CD CI/CD LTS EOL SLA SLAs SLO SLOs "
    "SSL TLS SSH HTTP HTTPS HTML CSS JSON YAML XML CSV TOML SQL URL URLs URI DNS CDN IP TCP "
    "UDP VPN VM VMs CPU CPUs GPU GPUs RAM SSD OS ABI TTL TTLs MFA 2FA SSO OTP PR PRs QA "
    "FAQ FAQs PDF PNG SVG AI ML LLM LLMs NLP OSS FOSS SaaS PaaS IaaS B2B B2C KPI KPIs ROI "
    "TBD TODO ETA ASAP AKA FYI IMO TL;DR RFC RFCs SHA SHA1 SHA256 SHA-1 SHA-256 MD5 AES RSA "
    "JWT CORS CSRF XSS DDoS CVE CVEs PII GDPR SOC SOC2 ISO UTC GMT EST PST CET AM PM USD EUR "
    "ID IDs OK N/A DB DBs TSDB RPC REST SPA PWA SEO CMS CRM ERP HR PM OKR OKRs MVP POC "
    "x86 x86_64 x64 amd64 AMD64 arm64 ARM64 aarch64 i386 IPv4 IPv6 UTF-8 ASCII "
    # protocols, standards and shorthands that are written like product names
    "OAuth OAuth2 OIDC SAML LDAP SCIM SMTP IMAP POP3 FTP SFTP NTP MQTT AMQP UUID UUIDs "
    "HTTP/2 HTTP/3 HTTP2 HTTP3 TLS1.3 WebSocket WebSockets WebRTC WebGL WebAuthn Wasm "
    "K8s k8s PoE PoE+ WPA WPA2 WPA3 Wi-Fi WiFi BLE NFC RFID LTE 4G 5G IoT USB USB-C HDMI "
    "PCIe NVMe SATA DDR4 DDR5 DALI DALI-2 DMX LED LEDs RGB RGBW"
)
# verbs that open instructions and calls to action ("Install Kubernetes", "Meet Dana")
IMPERATIVES = _set(
    "install run deploy upgrade update download build try get meet join use see check visit "
    "read learn start follow ping contact email call ask add open enable configure migrate "
    "switch sign register subscribe watch explore discover welcome introducing announcing"
)
_OBJECT_WORDS = _set(
    "me us you him her them it this that these those the a an our your my his their its "
    "out up in on to with"
)
_SHAPE_NAME = re.compile(
    r"[A-Za-z0-9]*[a-z][A-Z][A-Za-z0-9]*"  # CamelCase: GitLab, macOS, iPhone
    r"|[A-Z][\w\-]*\.(?:js|ts|io|dev|app|ai|org|com|net|sh|rs|py|so)"  # Node.js, Gitpod.io
    r"|[A-Z][A-Za-z]*\d[\w]*"  # V8, M1, X200
)


@dataclass(frozen=True)
class Candidate:
    start: int
    end: int
    label: str  # the model's label; "" for a name found by its shape only
    score: float  # the model's confidence; 0 for shape-only names


def _tokens(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _strip_possessive(text: str, start: int, end: int) -> int:
    m = _POSSESSIVE.search(text, start, end)
    if m is not None and m.start() > start and not text[start:end].isupper():
        return m.start()
    return end


def _snap(
    text: str, toks: Sequence[tuple[int, int]], ends: Sequence[int], start: int, end: int
) -> tuple[int, int]:
    """Widen (start, end) to the name tokens it touches; (0, 0) when it touches none.

    ``ends`` holds the tokens' end offsets (sorted, as the tokens are)."""
    i = bisect.bisect_right(ends, start)  # the first token ending after start
    inside = []
    while i < len(toks) and toks[i][0] < end:
        inside.append(toks[i])
        i += 1
    if not inside:
        return 0, 0
    s, e = inside[0][0], inside[-1][1]
    return s, _strip_possessive(text, s, e)


def _words(text: str, start: int, end: int) -> list[tuple[int, int]]:
    return [(start + m.start(), start + m.end()) for m in re.finditer(r"\S+", text[start:end])]


def is_sentence_start(text: str, pos: int) -> bool:
    """Whether ``pos`` begins a sentence, line or bullet (only spaces / quotes before it)."""
    i = pos - 1
    while i >= 0 and text[i] in " \t\"'“‘([*-•":
        i -= 1
    return i < 0 or text[i] in ".!?:\n"


def is_job_title(words: Iterable[str]) -> bool:
    """Only title words ("CEO", "VP", "Chief Officer"), or a role ("Senior Backend Engineer")."""
    ws = [w.lower().strip(".,") for w in words]
    if not ws:
        return False
    return ws[-1] in ROLE_HEADS or all(w in JOB_TITLES or w in CONNECTORS or w == "&" for w in ws)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop leading articles, greetings, job titles and an opening imperative from a span."""
    words = _words(text, start, end)
    while len(words) > 1:
        w = text[words[0][0] : words[0][1]].lower().strip(",.:;!")
        if w in JOB_TITLES and text[words[1][0] : words[1][1]].lower() in CONNECTORS:
            return 0, 0  # "VP of Engineering": a title, not a name
        if (
            w in ARTICLES
            or w in GREETINGS
            or w in JOB_TITLES
            or w in CONNECTORS
            or (w in IMPERATIVES and is_sentence_start(text, words[0][0]))
        ):
            words = words[1:]
            continue
        break
    if not words:
        return 0, 0
    return words[0][0], words[-1][1]


def _keep(text: str, start: int, end: int) -> bool:
    name = text[start:end]
    if not any(c.isalpha() for c in name):
        return False
    words = name.split()
    if is_job_title(words):
        return False
    if len(words) == 1 and (name.lower() in GREETINGS or name.lower() in ARTICLES):
        return False
    if all(w in GENERIC_ACRONYMS or w.rstrip("s") in GENERIC_ACRONYMS for w in words):
        return False  # "API", "JSON API", "SSL certificates" is not written in capitals
    if len(words) == 1 and name.lower() in IMPERATIVES and is_sentence_start(text, start):
        return False
    if start > 0 and text[start - 1] in "@#":
        return False
    # an imperative opening a sentence: "Ping us", "Join the beta", "Check out ..."
    if (
        len(words) == 1
        and name[:1].isupper()
        and name[1:].islower()
        and is_sentence_start(text, start)
    ):
        nxt = re.match(r"\s+([A-Za-z]+)", text[end : end + 20])
        if nxt is not None and nxt.group(1) in _OBJECT_WORDS:
            return False
    return True


def _is_capitalised(text: str, start: int, end: int) -> bool:
    return text[start : start + 1].isupper() or text[start : start + 1].isdigit()


def _merge(text: str, spans: list[list[int | str | float]]) -> list[list[int | str | float]]:
    """Merge neighbours separated by spaces, an in-word apostrophe, one connector word or an
    ampersand between capitalised words ("Kamp & Lee" is one firm, not two products)."""
    out: list[list[int | str | float]] = []
    for sp in spans:
        if out:
            prev = out[-1]
            gap = text[int(prev[1]) : int(sp[0])]
            joinable = (
                (gap.strip() == "" and "\n" not in gap)
                or (
                    re.fullmatch(r"['’]s\s+", gap) is not None
                    and text[int(prev[0]) : int(prev[1])].split()[-1].lower() in CONTRACTED
                )
                or (
                    re.fullmatch(r"\s+(\w+)\s+", gap) is not None
                    and gap.strip() in CONNECTORS
                    and _is_capitalised(text, int(sp[0]), int(sp[1]))
                )
                or (
                    re.fullmatch(r" ?& ?", gap) is not None
                    and _is_capitalised(text, int(prev[0]), int(prev[1]))
                    and _is_capitalised(text, int(sp[0]), int(sp[1]))
                )
            )
            if joinable and int(sp[0]) >= int(prev[1]):
                prev[1] = sp[1]
                if float(sp[3]) > float(prev[3]):
                    prev[2], prev[3] = sp[2], sp[3]
                continue
        out.append(list(sp))
    return out


# "Let's" right before a capitalised name: a name that opens with the contraction
_LETS = re.compile(r"(?<![\w'’])Let['’]s\s+$")


def _lets_start(text: str, start: int) -> int:
    """The start of "Let's" when a name span begins right after it with a capital, else
    ``start`` (the model often tags "Encrypt" alone at the start of a sentence)."""
    if not text[start : start + 1].isupper():
        return start
    m = _LETS.search(text, max(0, start - 12), start)
    return m.start() if m is not None else start


def attach_version(text: str, end: int) -> int:
    """The end of a version number written right after a name ("Go 1.18"), else ``end``."""
    m = _VERSION.match(text, end)
    if m is None:
        return end
    v = m.group("v")
    after = text[m.end() : m.end() + 30]
    if after[:1].isalnum() or re.match(r"\.\d", after):
        return end
    if _YEAR.fullmatch(v):
        return end
    nxt = re.match(r"\s*([%\w]+)", after)
    if nxt is not None and nxt.group(1).lower() in _COUNT_WORDS:
        return end
    if after[:1] == "%":
        return end
    return m.end()


def mentions(text: str) -> list[tuple[int, int, str]]:
    """@-mentions and #hashtags in plain text: (start, end, "MENTION" | "HASHTAG")."""
    out = []
    for m in re.finditer(r"(?<![\w@#/])@[A-Za-z0-9_](?:[\w.\-]*[A-Za-z0-9_])?", text):
        out.append((m.start(), m.end(), "MENTION"))
    for m in re.finditer(r"(?<![\w@#&/])#[^\W\d_][\w]*", text):
        out.append((m.start(), m.end(), "HASHTAG"))
    return sorted(out)


def candidate_spans(
    text: str, model: Iterable[tuple[int, int, str, float]], claimed: Sequence[tuple[int, int]] = ()
) -> list[Candidate]:
    """Repaired model spans plus shape-only names, none overlapping ``claimed``, in text order."""
    toks = _tokens(text)
    ends = [b for _, b in toks]
    pieces: list[list[int | str | float]] = []
    for start, end, label, score in sorted(model):
        s, e = _snap(text, toks, ends, start, end)
        if s >= e:
            continue
        # split lists of names the model joined
        cut = s
        for m in _SPLITTERS.finditer(text, s, e):
            if m.start() > cut:
                pieces.append([cut, m.start(), label, score])
            cut = m.end()
        if cut < e:
            pieces.append([cut, e, label, score])
    trimmed = []
    for sp in pieces:
        s, e = _trim(text, int(sp[0]), int(sp[1]))
        words = text[s:e].split()
        if s >= e or is_job_title(words) or (len(words) == 1 and words[0].lower() in GREETINGS):
            continue  # never merge a title or a greeting into the name next to it
        trimmed.append([s, e, sp[2], sp[3]])
    trimmed.sort(key=lambda sp: (int(sp[0]), -int(sp[1])))
    dedup: list[list[int | str | float]] = []
    for sp in trimmed:
        if dedup and int(sp[0]) < int(dedup[-1][1]):  # overlapping after snapping: union
            dedup[-1][1] = max(int(dedup[-1][1]), int(sp[1]))
            continue
        dedup.append(sp)
    merged = _merge(text, dedup)
    for sp in merged:
        sp[0] = _lets_start(text, int(sp[0]))
    taken = bytearray(len(text))
    for a, b in claimed:
        taken[a:b] = b"\x01" * (b - a)
    out: list[Candidate] = []
    for sp in merged:
        s, e = _trim(text, int(sp[0]), int(sp[1]))  # again: merging can bring back "Hi" / "CEO"
        if s >= e or taken.find(1, s, e) >= 0 or not _keep(text, s, e):
            continue
        e = attach_version(text, e)
        team = _TEAM.match(text, e)
        if team is not None:
            e = team.end()
        out.append(Candidate(s, e, str(sp[2]), float(sp[3])))
        taken[s:e] = b"\x01" * (e - s)
    for a, b in toks:
        word = text[a:b]
        e = _strip_possessive(text, a, b)
        word = text[a:e]
        if not _SHAPE_NAME.fullmatch(word) or taken.find(1, a, e) >= 0 or not _keep(text, a, e):
            continue
        e = attach_version(text, e)
        out.append(Candidate(a, e, "", 0.0))
        taken[a:e] = b"\x01" * (e - a)
    out.sort(key=lambda c: (c.start, c.end))
    return out
