"""A post's body: Markdown in, safe HTML out.

markdown-it-py renders CommonMark with raw HTML switched off (a ``<script>`` typed in a
post is shown as text), then nh3 (the Rust ``ammonia`` sanitiser) keeps only the tags
and attributes below: nothing written by hand decides what is safe. Images may only
point at images uploaded to the same cohort (``/community/images/<id>/``), so a post
cannot carry a tracking pixel or an oversized picture from elsewhere; links get
``rel="nofollow ugc noopener noreferrer"``.

``@username`` of a member the author may mention becomes a link to nothing but a
highlighted name (``<span class="mention">``); inside code it stays text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

MENTION = re.compile(r"(?<![\w@/.])@([A-Za-z0-9_.+-]{1,150})")
IMAGE_SRC = re.compile(r"^/community/images/(\d{1,18})/$")

TAGS = {
    "p", "br", "strong", "em", "del", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "img", "h3", "h4", "hr", "span", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "span": {"class"},
    "ol": {"start"},
    "code": {"class"},
}

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_md.enable(["table", "strikethrough"])
# Headings inside a post start at h3: the page has its own h1 and h2.
_md.add_render_rule(
    "heading_open",
    lambda self, tokens, idx, options, env: f"<h{min(int(tokens[idx].tag[1]) + 2, 4)}>",
)
_md.add_render_rule(
    "heading_close",
    lambda self, tokens, idx, options, env: f"</h{min(int(tokens[idx].tag[1]) + 2, 4)}>\n",
)


@dataclass(frozen=True)
class Rendered:
    html: str
    mentions: tuple[str, ...]  # usernames written as @name, outside code, in order
    image_ids: tuple[int, ...]


def mentioned_names(source: str) -> list[str]:
    """The ``@names`` outside code, each once, in the order written."""
    names: list[str] = []
    for token in _md.parse(source):
        if token.type != "inline" or not token.children:
            continue
        for child in token.children:
            if child.type == "text":
                for name in MENTION.findall(child.content):
                    name = name.rstrip(".")
                    if name and name.lower() not in {n.lower() for n in names}:
                        names.append(name)
    return names


def render(source: str, *, mentionable: set[str] | frozenset[str] = frozenset()) -> Rendered:
    """Sanitised HTML for ``source``; ``mentionable`` are the lower-cased usernames that
    become mentions (any other ``@name`` stays plain text)."""
    tokens = _md.parse(source)
    mentions: list[str] = []
    for token in tokens:
        if token.type == "inline" and token.children:
            token.children = _mark_mentions(token.children, mentionable, mentions)
    html = _md.renderer.render(tokens, _md.options, {})
    images: list[int] = []
    clean = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener noreferrer",
        attribute_filter=lambda tag, attr, value: _keep(tag, attr, value, images),
        strip_comments=True,
    )
    return Rendered(html=clean, mentions=tuple(mentions), image_ids=tuple(images))


def _keep(tag: str, attr: str, value: str, images: list[int]) -> str | None:
    if tag == "img" and attr == "src":
        match = IMAGE_SRC.match(value)
        if match is None:
            return None
        images.append(int(match.group(1)))
        return value
    if tag == "span" and attr == "class":
        return "mention" if value == "mention" else None
    if tag == "code" and attr == "class":
        return value if re.fullmatch(r"language-[\w+-]{1,30}", value) else None
    return value


def _mark_mentions(children: list[Token], mentionable, found: list[str]) -> list[Token]:
    out: list[Token] = []
    depth_link = 0
    for child in children:
        if child.type == "link_open":
            depth_link += 1
        elif child.type == "link_close":
            depth_link -= 1
        if child.type != "text" or depth_link or "@" not in child.content:
            out.append(child)
            continue
        text = child.content
        last = 0
        for match in MENTION.finditer(text):
            name = match.group(1).rstrip(".")
            if name.lower() not in mentionable:
                continue
            start, end = match.start(), match.start() + 1 + len(name)
            if start > last:
                out.append(_text(text[last:start]))
            opening = Token("html_inline", "", 0)
            opening.content = '<span class="mention">'
            out.append(opening)
            out.append(_text("@" + name))
            closing = Token("html_inline", "", 0)
            closing.content = "</span>"
            out.append(closing)
            if name.lower() not in {n.lower() for n in found}:
                found.append(name)
            last = end
        if last < len(text):
            out.append(_text(text[last:]))
    return out


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def excerpt(html: str, length: int = 160) -> str:
    """Plain text of the first ``length`` characters, for notifications and lists."""
    text = nh3.clean(html, tags=set()).replace("\n", " ")
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
