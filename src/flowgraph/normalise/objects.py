"""The object of a sharing verb -> one phrase per recipient it names.

"we may disclose your personal data to other council departments or third parties for these
purposes" names two recipients: the phrase after the verb's "to"/"with" runs up to where a
purpose, condition or new clause begins, and is split at commas, "and", "or" and semicolons
(never inside brackets). Each piece that reads like a noun phrase is a recipient as written; the
gazetteer decides later what it resolves to. Unknown names are kept, not dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import accumulate

from flowgraph.parse.located import Located

# Where the object phrase starts: the first "with"/"to"/"onto" after the verb (within reach).
_PREPOSITION = re.compile(r"\b(?:with|to|onto|into the hands of|between)\b", re.I)
# Where it stops: a purpose, a condition, a relative or a new clause.
PURPOSE_VERBS = {
    "administer", "allow", "arrange", "assess", "assist", "carry", "check", "collect", "comply",
    "confirm", "contact", "deal", "deliver", "detect", "enable", "ensure", "fulfil", "help",
    "investigate", "make", "manage", "meet", "obtain", "prevent", "process", "protect", "provide",
    "recover", "respond", "send", "share", "support", "undertake", "verify", "identify", "improve",
}  # fmt: skip
_STOP = re.compile(
    r"[.:!?]\s|[.;:!?]$|\s[–—]\s|\s-\s"
    r"|,?\s+(?:in order|so\b|for (?:the|these|this|those|that|such|any|a|an|purposes?|example|instance|reasons?|them|their|our|your|its|their)\b|for [a-z]+ing\b"
    r"|where\b|when\b|whenever\b|if\b|unless\b|because\b|as (?:part|required|allowed|necessary|permitted|appropriate|needed|set out|described|detailed|well as|an?)\b"
    r"|who\b|which\b|that (?:are|is|will|may|have|has|provide|support|help|work|deliver|act)\b|whose\b|under\b|in (?:line|accordance|connection|relation|respect)\b"
    r"|to (?!the\b|a\b|an\b|our\b|your\b|their\b|its\b|other\b|any\b|all\b|some\b|whom\b|external\b|internal\b|relevant\b|third\b|national\b|local\b|central\b|government\b)[a-z]+\b"
    r"|on (?:our|their|behalf)\b|at (?:the|any|all)\b|by (?:law|post|email|phone)\b|only\b|about you\b"
    r"|(?:is|are|was|were|will|may|might|can|could|would|should|must|has|have|had)\b)",
    re.I,
)
_SPLIT = re.compile(r",\s*(?:and|or)\s+|,\s*|;\s*|\s+and/or\s+|\s+(?:and|or)\s+(?=\S)", re.I)
_NOT_RECIPIENT = re.compile(
    r"^(?:us|you|them|it|him|her|this|that|these|those|each other|one another|anyone|someone|"
    r"(?:your|the|this|that|such|any|all|some)\s+(?:personal\s+|own\s+)?(?:data|information|details|records?|name|address)\b.*"
    r"|(?:you|us)\b.*|do so|be|(?:help|enable|provide|make|deliver|ensure|meet|comply)(?:s|d|ed|ing)?|"
    r"other\s+countr\w*|outside\b.*|abroad|overseas|countries\b.*|the (?:uk|eea|eu|usa)\b.*)$",
    re.I,
)
_JUNK = re.compile(
    r"^(?:(?:on|in) (?:our|your|their|its|the council'?s?) behalf|(?:the )?(?:council|authority)|"
    r"(?:one|some|any|all|each|many) of (?:these|those|them|the above)\b.*|including|include|includes|included|but not limited to|not limited to|e\.?g|i\.?e|etc|we|or|and|and/or|"
    r"(?:for|to|in|on|by|with|from|of|at)\b.*|"
    r"(?:your|their|our|his|her)\s+(?:consent|permission|agreement|knowledge|authority|behalf)|"
    r"(?:these|those|such|the following|following|the below|below)\b.*|a number of\b.*|a range of\b.*)$",
    re.I,
)
_ORG_END = re.compile(
    r"\b(?:Office|Service|Services|Council|Agency|Department|Commission|Commissioner|Court|Courts|"
    r"Tribunal|Trust|Board|Authority|Police|Constabulary|Ombudsman|Ltd|Limited|plc|LLP|Group|"
    r"Partnership|University|College|School|Network|Initiative|Team|Unit|Fund|Register)$"
)
_SHARED_MODIFIER = re.compile(
    r"(?:other|relevant|partner|external|appropriate|local|public)\s+[a-z]+s\b"
)
_CLAUSE_WORD = re.compile(
    r"\b(?:we|you|us|they|requires?|required|why|how|what|whether)\b|^(?:when|where|which|who)\b",
    re.I,
)
_EXAMPLES = re.compile(
    r",?\s+(?:including|such as|e\.g\.?|eg|for example|for instance|like|examples? (?:include|includes|are))\s+",
    re.I,
)
_TRAILING = re.compile(r"\s+(?:including|such as|e\.g|for example|etc|and|or)\.?$", re.I)
# After "to", a recipient starts with a determiner, an adjective we know, a capital or a plural;
# "to process", "to help" are purposes.
# After "to", a recipient starts with a determiner, a capital or a known modifier, or has a
# plural noun within its first words ("to credit reference agencies"); a purpose starts with a
# verb ("to process your claim", "to obtain references").
_TO_OBJECT = re.compile(
    r"\s+(?!(?:" + "|".join(sorted(PURPOSE_VERBS)) + r")\b)"
    r"(?:the|a|an|our|your|their|its|other|any|all|some|relevant|external|internal|third|"
    r"national|local|central|government|[A-Z0-9]|(?:[a-z-]+\s+){0,2}[a-z-]*[^s\W]s\b)",
)
_DATA_OBJECT = re.compile(
    r"\b(?:your|personal|their|his|her|this|the|such|relevant|some|any|that|these)\s+(?:personal\s+|own\s+|contact\s+)?"
    r"(?:data|information|details|records?|address|name)\b|\b(?:it|them|this)\b",
    re.I,
)
_LEADING = re.compile(
    r"^(?:(?:and|or)\s+)?(?:with|to)\s+"
    r"|^(?:including|includ\w+|such as|e\.?g\.?|for example|namely|either|both|also)\s+",
    re.I,
)
_MAX_WORDS = 12
# The longest object phrase read as a list of recipients. The longest in the corpora is under
# 300 characters; past this a phrase is a crafted run-on whose reading would cost time per verb.
MAX_OBJECT_CHARS = 4000
_TO_US = re.compile(r"\s+(?:us|you)\b", re.I)
_FULL_STOP = re.compile(r"[.!?](?:\s|$)")
_ASIDE = re.compile(
    r"\s*\((?:as |please )?(?:listed|set out|detailed|shown|see|below|above)\b[^)]*\)", re.I
)
_QUALIFIER = re.compile(
    r",\s*(?:where|when|if|as) (?:necessary|appropriate|required|relevant|needed|applicable)\s*,",
    re.I,
)
_BETWEEN = re.compile(
    r"[.;:!?](?:\s|$)|\b(?:as (?:permitted|required|allowed)|unless|if|where|when|whenever|because)\b",
    re.I,
)
# "officers of Cheshire East Council", "other departments within the Council": the controller's own
INTERNAL = re.compile(
    r"^(?:other\s+|relevant\s+|appropriate\s+|internal\s+)*(?:officers?|staff|employees|members of staff|"
    r"departments?|services|sections?|teams?|parts|areas|directorates?|service areas)\b"
    r"|^(?:the\s+)?(?:council['’]s|our)\b.*\b(?:teams?|services|departments?|officers|staff|sections?)$",
    re.I,
)
# a bracket naming several organisations, each with its own clause
_BRACKET_LIST = re.compile(r"\(([^()]*\b(?:who|which|that)\b[^()]*)\)")
_NESTED_SHARE = re.compile(r"\bshar(?:e|es|ed|ing)\s+(?:\w+\s+){0,3}?with\s+", re.I)
_QUOTED_NAME = re.compile(r"(?:^|\s)['‘\"“]([A-Z0-9][^'’\"”]{1,60}?)(?:['’\"”]|$)")


_DEPTHS: dict[int, tuple[str, list[int]]] = {}  # id -> (text, open brackets before each index)


def _depth_ok(text: str, at: int) -> bool:
    """No bracket is open at `at`. Counted afresh in a short text; in a long one (a crafted
    notice's one endless sentence) the running counts are kept, so asking at every comma is
    linear, not quadratic."""
    if len(text) < 2000 or at < 0:
        return text.count("(", 0, at) <= text.count(")", 0, at)
    held = _DEPTHS.get(id(text))
    if held is None or held[0] is not text:  # the text is held, so its id is not reused
        if len(_DEPTHS) >= 8:
            _DEPTHS.clear()
        steps = ((ch == "(") - (ch == ")") for ch in text)
        held = _DEPTHS[id(text)] = (text, list(accumulate(steps, initial=0)))
    return held[1][min(at, len(text))] <= 0


def object_span(sentence: str, cue_end: int) -> tuple[int, int] | None:
    """[start, end) of the object phrase of the sharing verb ending at `cue_end`, or None.

    A cue that ends in "by" ("hosted by", "stored on our behalf by") names its object at once.
    "with the following organisations: A, B and C" gives the list after the colon; a colon
    that ends the sentence leads into a list of its own, so it gives nothing here.
    """
    before = sentence[max(0, cue_end - 5) : cue_end]  # enough for `\bwith$`, not a copy of all
    if re.search(r"\b(?:by|to|with|on|in)$", before, re.I):
        if re.search(r"\bto$", before, re.I) and not _TO_OBJECT.match(sentence, cue_end):
            return None  # "provided to obtain this service": a purpose
        start = cue_end  # "hosted by X", "made available to X": the cue ends where X starts
    else:
        prep = _PREPOSITION.search(sentence, cue_end, min(len(sentence), cue_end + 70))
        if prep is None:
            return None
        if prep.group(0).lower() == "to" and not _TO_OBJECT.match(sentence, prep.end()):
            return None
        if _BETWEEN.search(
            _QUALIFIER.sub(lambda m: " " * len(m.group(0)), sentence), cue_end, prep.start()
        ):
            return None  # "share ... as required by law and with consideration to": not its object
        start = prep.end()
    if _TO_US.match(sentence, start):
        return None  # "... provide information to us": a source, not a recipient
    end = _stop_after(sentence, start)
    if sentence[end : end + 1] == ":":
        if not sentence[end + 1 :].strip():
            return None  # "... with the following organisations:": the list names them
        start, end = end + 1, _list_end(sentence, end + 1)
        return (start, end) if end - start <= MAX_OBJECT_CHARS else None
    if end - start > MAX_OBJECT_CHARS:
        return None  # not a phrase: the names in it are still found as mentions
    return (start, end) if end > start else None


def _stop_after(sentence: str, start: int) -> int:
    for stop in _STOP.finditer(sentence, start):
        at = stop.start()
        if at > start and _depth_ok(sentence, at):
            if sentence[at] == ":" and re.search(r"\bre$", sentence[max(0, at - 3) : at], re.I):
                continue  # "the Audit Commission re: the National Fraud Initiative"
            return at
    return len(sentence)


def _list_end(sentence: str, start: int) -> int:
    """Where a list that runs to the end of a sentence stops: items are separated by commas and
    semicolons, so only a full stop or the end of the sentence ends it."""
    m = _FULL_STOP.search(sentence, start)
    return m.start() if m else len(sentence)


_RESUME = re.compile(
    r"[,;]\s*(?:and\s+|or\s+)?(?:(?:where|when|if|as) (?:appropriate|necessary|required|needed|relevant|applicable),?\s+)?"
    r"(?=(?:the|other|a|an|any|relevant|HM|our|your|elected|local|national|government)\b|[A-Z])"
    r"|,?\s*\b(?:e\.?g\.?|eg|such as|including|for example|for instance|examples? (?:include|includes|are))\s+",
)


def resumed_spans(sentence: str, after: int) -> list[tuple[int, int]]:
    """More objects after the first one's purpose clause: "with former employers to obtain
    references, the Disclosure and Barring Service to obtain checks, and Arvato for payroll"."""
    out: list[tuple[int, int]] = []
    pos = after
    while (m := _RESUME.search(sentence, pos)) is not None:
        if not _depth_ok(sentence, m.start()):
            pos = m.end()
            continue
        end = _stop_after(sentence, m.end())
        if end > m.end():
            out.append((m.end(), end))
        if end >= len(sentence) or sentence[end] in ".!?":
            break
        pos = max(end, m.end())
    return out


def needs_data_object(cue: str) -> bool:
    """Verbs that only share when their object is personal data ("provide information and
    advice to carers" is a service, "provide your details to" is sharing); a cue that names
    the data itself ("information may be provided to") needs nothing more."""
    return not re.match(
        r"shar|disclos|releas|made available|cross|(?:information|data|details|records)\b|.*\bby$",
        cue,
        re.I,
    )


def has_data_object(sentence: str, cue_start: int, object_start: int) -> bool:
    return bool(_DATA_OBJECT.search(sentence, cue_start, object_start))


def split_phrase(phrase: Located, known: Callable[[str], bool] | None = None) -> list[Located]:
    """The pieces of an object phrase, brackets kept whole: "the police, HMRC and other local
    authorities" -> three; "other organisations such as the Planning and Environmental Appeals
    Division" -> the category, then its example."""
    segments: list[Located] = []
    at = 0
    for m in _EXAMPLES.finditer(phrase.text):
        if _depth_ok(phrase.text, m.start()):
            segments.append(phrase.sub(at, m.start()))
            at = m.end()
    segments.append(phrase.sub(at, len(phrase)))
    parts: list[Located] = []
    for segment in segments:
        parts += _split_list(segment, known)
    expanded: list[Located] = []
    for piece in parts:  # "other third parties (2CQR who provide ..., BorrowBox who ...)"
        inners = list(_BRACKET_LIST.finditer(piece.text))
        expanded.append(piece.sub(0, inners[0].start()) if inners else piece)
        for inner in inners:
            body = piece.sub(inner.start(1), inner.end(1))
            for name in _split_list(body):
                head = recipient_item(name.strip(" ,;"))
                if head and (head.text[:1].isupper() or head.text[:1].isdigit()):
                    expanded.append(head)
    parts = expanded
    out = []
    for piece in parts:
        piece = piece.strip(" ,;:.'\"‘’“”")
        aside = _ASIDE.search(piece.text)
        if aside:  # "(as listed below)", "(see below)": a pointer, not part of the name
            piece = piece.sub(0, aside.start()).strip(" ,;:.")
        lead = _LEADING.match(piece.text)
        if lead:
            piece = piece.sub(lead.end(), len(piece))
        trail = _TRAILING.search(piece.text)
        if trail:
            piece = piece.sub(0, trail.start())
        nested = _NESTED_SHARE.search(piece.text)
        if nested:  # "Housing sharing with Health": the one shared with
            piece = piece.sub(nested.end(), len(piece))
        quoted = _QUOTED_NAME.search(piece.text)
        if quoted:  # "the Council's Bin Delivery contractor 'Jett Distribution'": the name
            piece = piece.sub(quoted.start(1), quoted.end(1))
        if piece and is_recipient_phrase(piece.text):
            out.append(piece)
    return out


def _split_list(phrase: Located, known: Callable[[str], bool] | None = None) -> list[Located]:
    """Split at commas, semicolons, "and", "or" (never inside brackets), keeping names and
    shared modifiers whole. Between two capitalised words "and" joins one name ("the Disclosure
    and Barring Service") unless the left part is a name on its own: one the gazetteer knows
    (`known`) or one ending in an organisation word ("Cabinet Office and Home Office")."""
    text = phrase.text
    pieces: list[Located] = []
    start = 0
    for m in _SPLIT.finditer(text):
        if not _depth_ok(text, m.start()):
            continue
        left, right = text[start : m.start()].strip(), text[m.end() :]
        conjunction = m.group(0).strip(" ,").lower()
        if _SHARED_MODIFIER.match(left) and re.fullmatch(r"[a-z]+s", right):
            continue  # "other agencies or organisations": one phrase, the modifier shared
        if conjunction in ("and", "or") and re.fullmatch(r"[a-z]+(?<!s)", left):
            continue  # "external and internal contacts": adjectives sharing one noun
        if (
            conjunction == "and"
            and re.search(r"\b[A-Z][a-z]+$", left)
            and re.match(r"[A-Z][a-z]", right)
            and not _ORG_END.search(left)
            and not (known and known(left))
        ):
            continue  # "Wigan and Leigh Homes", "Department for Work and Pensions": one name
        pieces.append(phrase.sub(start, m.start()))
        start = m.end()
    pieces.append(phrase.sub(start, len(text)))
    return pieces


def is_recipient_phrase(text: str) -> bool:
    words = text.split()
    if not words or len(words) > _MAX_WORDS or _NOT_RECIPIENT.match(text) or _JUNK.match(text):
        return False
    if _CLAUSE_WORD.search(text):
        return False  # "sometimes the law requires that we": a clause, not a name
    return any(c.isalpha() for c in text)


# A list item's trailing purpose or condition: "Police if there are safeguarding concerns",
# "Credit Reference Agencies – to undertake single person discount review".
_ITEM_TAIL = re.compile(
    r"\s+[–—-]+\s+(?=[a-z])|\s+[–—-]+\s+to\s|,?\s+(?:if|where|when|whenever|unless|so that|in order|as part of|because|who|which|whose"
    r"|ha(?:ve|s) access|will|may|might|can|could|must|should|are|is|we|you|that (?=are|is|will|may|have|has|provide|support|help|work|deliver|act)"
    r"|to (?!the\b|a\b|an\b|our\b|your\b|their\b|its\b|other\b|any\b|all\b|whom\b)[a-z]+)\b",
)
# "External – Royal Mail, Land Registry, Valuation Office": a short label, a dash, a list.
_LABELLED_LIST = re.compile(r"^([A-Z][\w&' ]{0,24}?)\s*[–—:-]\s+(?=\S[^,]*,)")


def recipient_item(item: Located) -> Located:
    """A list item without its trailing purpose or condition clause."""
    for m in _ITEM_TAIL.finditer(item.text):
        if m.start() > 0 and _depth_ok(item.text, m.start()):
            head = item.sub(0, m.start()).strip(" ,;:–—-")
            if head:
                return head
    return item


def labelled_list(item: Located) -> list[Located] | None:
    """The pieces of an item that is a label followed by a comma list, else None."""
    m = _LABELLED_LIST.match(item.text)
    if not m:
        return None
    return split_phrase(item.sub(m.end(), len(item)))


# "These may include bailiffs; tracing agents; ...": a sentence that goes on listing the
# recipients of the sharing sentence before it.
_FOLLOW_ON = re.compile(
    r"^(?:these|this|they|such (?:organisations|bodies|parties|recipients)|examples?|"
    r"(?:the )?(?:organisations|bodies|recipients|partners))\s+"
    r"(?:(?:may|can|will|could|might|would)\s+)?(?:also\s+)?"
    r"(?:include|includes|including|comprise|comprises)\s+(?:(?:but are )?not limited to:?\s+)?",
    re.I,
)


def follow_on_span(sentence: str) -> tuple[int, int] | None:
    """[start, end) of the list in a follow-on sentence ("This includes X, Y and Z"), or None."""
    m = _FOLLOW_ON.match(sentence)
    if not m:
        return None
    end = m.end()
    while end < len(sentence):
        end = _stop_after(sentence, end)
        if end < len(sentence) and (sentence[end] == ";" or sentence[end] in "-–—"):
            end += 1  # semicolons (and dashes) separate the items of this list
            continue
        break
    return (m.end(), end) if end > m.end() else None
