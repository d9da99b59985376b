"""The notice out of a whole web page: a council's CMS wraps each notice in navigation,
breadcrumbs, a cookie banner, "was this page helpful?" forms and a footer, none of which is
part of what the council says about its data. The main content is kept as HTML, so the
loader still sees its headings, lists and tables.

selectolax (the Lexbor parser) is used: a fast, tolerant HTML5 parser with CSS selectors,
which lets us pick the container and drop the chrome while keeping the markup; text-only
extractors (trafilatura, jusText) lose the tables the loader reads.

The container: the watch list's CSS selector when given; else <main>, [role=main], a
single <article>, or a usual content id; else <body>. Inside it, scripts, styles, forms,
navigation, breadcrumbs, asides, cookie/consent banners, skip links and hidden parts are
dropped, and with <body> as the container its page header and footer too.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser, LexborNode

from flowgraph.errors import FlowgraphError

CANDIDATES = (
    "main",
    "[role=main]",
    "#main-content",
    "#maincontent",
    "#main_content",
    "#content-main",
    "#page-content",
    "#content",
    "#main",
    ".main-content",
)
DROPPED_TAGS = frozenset({
    "script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas",
    "form", "button", "select", "input", "textarea", "dialog", "link", "meta", "nav", "aside",
})  # fmt: skip
DROPPED_ROLES = frozenset({"navigation", "complementary", "search", "dialog", "alertdialog"})
PAGE_TAGS = frozenset({"header", "footer"})  # dropped only when the container is <body>
PAGE_ROLES = frozenset({"banner", "contentinfo"})
# id/class words of chrome that has no tag of its own, matched as whole hyphen- or underscore-
# separated parts of a word ("breadcrumbs", "lgd-page-feedback", "ccc-content"; never "cookies"
# alone, which may be a notice's own section about cookies, nor "social" alone: social care)
_CHROME = re.compile(
    r"(?:^|[-_])(?:breadcrumbs?|skip-?links?|skip-to-content|share|share-?this|sharing-?links|"
    r"social-?(?:links|media|share|icons)|feedback|back-?to-?top|site-?header|site-?footer|"
    r"masthead|related-?(?:links|pages|content|items)|cookie-?(?:banner|bar|notice|consent|"
    r"message|popup|control|law|settings)|cookiebanner|consent-?(?:banner|manager|sdk)|ccc|"
    r"onetrust|cybotcookiebot\w*|cookiebot\w*|gdpr-?(?:banner|cookie))(?:$|[-_])",
    re.I,
)
_SPACE = re.compile(r"\s+")


class ContentError(FlowgraphError):
    """The page holds no notice to keep (the selector matched nothing, or the page is empty)."""


@dataclass(frozen=True)
class MainContent:
    title: str  # the page's <title>, whitespace normalised ("" when there is none)
    html: str  # a small HTML document holding the main content only
    text: str  # its text, for checks and tests


def decode(data: bytes, charset: str | None) -> str:
    """The page's text: the HTTP charset, else a <meta charset>, else UTF-8 (else Windows-1252)."""
    head = data[:2048].decode("ascii", errors="replace")
    meta = re.search(r"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", head, re.I)
    for encoding in (charset, meta.group(1) if meta else None, "utf-8"):
        if not encoding:
            continue
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("cp1252", errors="replace")


def main_content(page: str, selector: str | None = None, *, where: str = "page") -> MainContent:
    """The page's main content as a small HTML document of its own (see the module's notes)."""
    tree = LexborHTMLParser(page)
    title_node = tree.css_first("title")
    title = _SPACE.sub(" ", title_node.text()).strip() if title_node is not None else ""
    if selector:
        try:
            container = tree.css_first(selector)
        except Exception as exc:  # noqa: BLE001 (selectolax raises plain exceptions for a bad selector)
            raise ContentError(f"{where}: bad CSS selector {selector!r} ({exc})") from None
        if container is None:
            raise ContentError(f"{where}: the selector {selector!r} matches nothing on the page")
    else:
        container = _container(tree)
    if container is None:
        raise ContentError(f"{where}: the page has no body")
    _drop_chrome(container, page=container.tag == "body")
    text = _SPACE.sub(" ", container.text(separator=" ")).strip()
    if not text:
        raise ContentError(f"{where}: no text left in the page's main content")
    inner = container.inner_html if container.tag == "body" else container.html
    document = (
        '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title, quote=False)}</title>\n</head>\n<body>\n"
        f"{(inner or '').strip()}\n</body>\n</html>\n"
    )
    return MainContent(title, document, text)


def _container(tree: LexborHTMLParser) -> LexborNode | None:
    for selector in CANDIDATES:
        node = tree.css_first(selector)
        if node is not None and node.text(strip=True):
            return node
    articles = tree.css("article")
    if len(articles) == 1 and articles[0].text(strip=True):
        return articles[0]
    return tree.body


def _drop_chrome(container: LexborNode, *, page: bool) -> None:
    """Remove the chrome under `container`, top down: a dropped node's insides are never
    visited again (a loop, not recursion: pages nest deeply)."""
    stack = [container]
    while stack:
        parent = stack.pop()
        for node in list(parent.iter(include_text=False)):
            if node.tag == "-comment" or _is_chrome(node, page):
                node.decompose()
            else:
                stack.append(node)


def _is_chrome(node: LexborNode, page: bool) -> bool:
    """Whether an element is navigation, a banner, a script... rather than the notice. (Not
    selectolax's css_matches: it also answers True when a descendant matches.)"""
    tag = node.tag or ""
    attributes = node.attributes
    role = (attributes.get("role") or "").strip().lower()
    if tag in DROPPED_TAGS or role in DROPPED_ROLES:
        return True
    if "hidden" in attributes or (attributes.get("aria-hidden") or "").lower() == "true":
        return True
    if page and (tag in PAGE_TAGS or role in PAGE_ROLES):
        return True
    words = [attributes.get("id") or "", *(attributes.get("class") or "").split()]
    return any(word and _CHROME.search(word) for word in words)
