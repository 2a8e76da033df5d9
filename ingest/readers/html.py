"""HTML → blocks: the article, not the page around it.

Scripts and styles go first; then the page's own furniture (navigation, site
header, footer, sidebars, form controls, and forms that hold nothing else: a
search box), by element or by landmark role. A form around the whole page, as ASP.NET sites set one, is only a
wrapper, so what it holds is read. When the page has an `article` or `main`
element, only that is read. Block elements become blocks, `<br>` a line break
(so line-per-item minutes keep their lines), table rows one readable line each,
except rows that lay out the page, whose cells are read as the page they hold.
A plain paragraph is never taken for a heading by its wording (the page has
heading tags); one set wholly in bold may be. An item of a numbered list
(`<ol>`) is read with the number the browser draws
before it, so "5. Precept" opens its item as it would typed out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ingest.readers.list_numbers import HTML_TYPES, format_number
from ingest.readers.tables import row_text
from ingest.types import Block

_DROP = ("script", "style", "noscript", "template", "iframe", "svg", "object", "embed", "head", "nav",
         "button", "aside", "footer", "input", "select", "textarea")
_FURNITURE_ROLES = ["navigation", "banner", "contentinfo", "search", "complementary"]
"""Landmark roles for a site's menus, header, footer, search and sidebars, as
pages built of plain `div`s mark them for screen readers."""
_FORM_TEXT_WORDS = 40
"""A form with this many words of paragraphs (or a heading, an article or a
main part) wraps the page's content; a smaller one is a search or sign-up box."""
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_BLOCKS = _HEADINGS | {
    "p", "li", "dt", "dd", "blockquote", "pre", "address", "figcaption", "caption", "tr",
    "div", "section", "article", "main", "td", "th", "header",
}
_SPACE_BEFORE_PUNCT = re.compile(r"[ \t]+([.,;:!?)])")
HTML_FRAGMENTS = re.compile(r"<br\s*/?>|</?p>|&(?:pound|amp|nbsp|quot|#\d+);", re.IGNORECASE)
"""Markup in a file saved as plain text: it is read as HTML."""


def read_html(markup: str) -> Iterator[Block]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    for tag in soup.find_all(_DROP):
        tag.decompose()
    for tag in soup.find_all(role=_FURNITURE_ROLES):
        if not tag.decomposed:
            tag.decompose()
    for form in soup.find_all("form"):
        if form.decomposed:
            continue  # inside a form dropped before it
        if form.find(["article", "main", "h1", "h2"]) or len(
                " ".join(p.get_text(" ") for p in form.find_all("p")).split()) >= _FORM_TEXT_WORDS:
            form.unwrap()
        else:
            form.decompose()
    articles = soup.find_all("article")
    root = articles[0] if len(articles) == 1 else soup.find("main") or soup.body or soup
    if root is soup.body:
        for tag in root.find_all("header"):
            tag.decompose()
    for br in root.find_all("br"):
        br.replace_with("\n")
    yield from _walk(root)


def _squash(text: str) -> str:
    """Collapse the spaces `get_text(" ")` puts between inline elements; line
    breaks from `<br>` stay."""
    lines = (_SPACE_BEFORE_PUNCT.sub(r"\1", " ".join(line.split())) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _walk(node: object) -> Iterator[Block]:
    from bs4 import NavigableString, Tag

    assert isinstance(node, Tag)
    numbers = _list_numbers(node) if node.name == "ol" else {}
    inline: list[str] = []
    for child in node.children:
        if isinstance(child, Tag) and child.name in _BLOCKS:
            if "".join(inline).strip():
                yield Block(text=_squash("".join(inline)))
            inline = []
            label = numbers.get(id(child))
            if child.name == "tr" and _lays_out_page(child):
                for cell in child.find_all(["td", "th"], recursive=False):
                    yield from _walk(cell)
            elif child.name == "tr":
                cells = [" ".join(c.get_text(" ").split()) for c in child.find_all(["td", "th"])]
                yield Block(text=row_text(cells), kind="table")
            elif child.find(_BLOCKS):
                for n, block in enumerate(_walk(child)):
                    yield Block(text=f"{label} {block.text}", kind=block.kind) if label and n == 0 else block
            else:
                text = _squash(child.get_text(" "))
                kind = "heading" if child.name in _HEADINGS else "list_item" if child.name == "li" else "text"
                styled = kind == "text" and not _all_bold(child, text)
                yield Block(text=f"{label} {text}" if label and text else text, kind=kind, styled=styled)
        elif isinstance(child, Tag):
            if child.find(_BLOCKS):
                yield from _walk(child)
            else:
                inline.append(child.get_text(" "))
        elif isinstance(child, NavigableString):
            inline.append(str(child))
    if "".join(inline).strip():
        yield Block(text=_squash("".join(inline)))


def _all_bold(element: object, text: str) -> bool:
    """Whether all of an element's text is set in bold (`<strong>`, `<b>`): a
    heading made by hand, which may be guessed from its wording; plain text is not."""
    from bs4 import Tag

    assert isinstance(element, Tag)
    bold = " ".join(b.get_text(" ") for b in element.find_all(["strong", "b"]))
    return bool(text) and _squash(bold) == text


def _lays_out_page(row: object) -> bool:
    """A table row that lays out the page (a menu cell beside the article, as
    older sites set pages) rather than holding data: one of its cells holds a
    heading or a table of its own. Its cells are read as the page they hold."""
    from bs4 import Tag

    assert isinstance(row, Tag)
    return any(cell.find(list(_HEADINGS) + ["table"]) for cell in row.find_all(["td", "th"], recursive=False))


def _list_numbers(ol: object) -> dict[int, str]:
    """The number a browser draws before each `<li>` of an `<ol>` ("3.", "c.",
    "iv."), by the item's id: the list's `start` and `type`, and any `value`
    an item sets, which the items after it count on from."""
    from bs4 import Tag

    assert isinstance(ol, Tag)
    kind = HTML_TYPES.get(str(ol.get("type") or "1"), "decimal")
    count = _html_int(ol.get("start"), 1) - 1
    out: dict[int, str] = {}
    for item in ol.find_all("li", recursive=False):
        count = _html_int(item.get("value"), count + 1)
        if count > 0:
            out[id(item)] = f"{format_number(count, kind)}."
    return out


def _html_int(value: object, default: int) -> int:
    text = str(value).strip() if value is not None else ""
    return int(text) if text.isdigit() else default
