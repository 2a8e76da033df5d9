"""Turn paper text into inert HTML for the app.

Paper text is data, never markup: every document-derived string passes through
`inert` before it reaches the page, so `<script>`, `<img onerror>` or Markdown
link syntax in a paper shows up as the characters it is. The output is safe for
`st.html` (no Markdown pass) and for `st.markdown(..., unsafe_allow_html=True)`
(Markdown specials are entity-encoded, newlines become `<br>`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.types import Paragraph

# Characters that Markdown (and Streamlit's extensions: `:color[...]`, emoji
# shortcodes, `$math$`) would interpret. Entity-encoded, they render as themselves.
_MARKDOWN_SPECIALS = "\\`*_{}[]()#+-.!|~:$<>&\"'="
_ENTITIES = {ord(c): f"&#{ord(c)};" for c in _MARKDOWN_SPECIALS}

HIGHLIGHT_CLASS = "cpa-quote"
CITED_CLASS = "cpa-cited"
CITED_ID = "cpa-cited-paragraph"

VIEWER_CSS = f"""<style>
.cpa-viewer {{ max-height: 60vh; overflow-y: auto; padding: 0.25rem 0.5rem;
  border: 1px solid rgba(128,128,128,0.35); border-radius: 0.5rem; }}
.cpa-para {{ margin: 0.4rem 0; line-height: 1.5; scroll-margin: 4rem; }}
.cpa-para .cpa-num {{ color: #777; font-size: 0.8em; margin-right: 0.4rem; }}
.cpa-para.cpa-heading {{ font-weight: 600; }}
.{CITED_CLASS} {{ background: rgba(255, 213, 79, 0.25); border-left: 4px solid #f0b400;
  padding-left: 0.5rem; }}
mark.{HIGHLIGHT_CLASS} {{ background: #ffe066; color: inherit; padding: 0 0.1em; }}
.cpa-answer {{ font-size: 1.05rem; line-height: 1.55; }}
.cpa-marker {{ font-size: 0.8em; font-weight: 600; color: #1f6feb; }}
.cpa-snippet {{ line-height: 1.5; margin: 0.2rem 0 0.6rem 0; }}
</style>"""


def inert(text: str) -> str:
    """Escape `text` for HTML *and* Markdown: the browser shows exactly these characters."""
    return text.translate(_ENTITIES).replace("\r\n", "\n").replace("\n", "<br>")


def highlight(text: str, start: int, end: int, *, context: int | None = None) -> str:
    """`text` as inert HTML with `text[start:end]` wrapped in `<mark>`.

    With `context`, only that many characters either side of the quote are kept
    (cut at a space, marked with an ellipsis), for compact source lists.
    """
    if not 0 <= start <= end <= len(text):
        raise ValueError(f"quote span must lie inside the text (0..{len(text)}); got {start}..{end}")
    before, quote, after = text[:start], text[start:end], text[end:]
    prefix = suffix = ""
    if context is not None:
        if len(before) > context:
            before = before[-context:]
            before = before[before.find(" ") + 1 :] if " " in before else before
            prefix = "… "
        if len(after) > context:
            after = after[:context]
            after = after[: after.rfind(" ")] if " " in after else after
            suffix = " …"
    marked = f'<mark class="{HIGHLIGHT_CLASS}">{inert(quote)}</mark>' if quote else ""
    return f"{prefix}{inert(before)}{marked}{inert(after)}{suffix}"


def answer_html(answer: str) -> str:
    """The answer text, inert, with its `[n]` markers styled (they stay visible as `[n]`)."""
    parts: list[str] = []
    last = 0
    for match in re.finditer(r"\[(\d+)\]", answer):
        parts.append(inert(answer[last : match.start()]))
        parts.append(f'<span class="cpa-marker">[{int(match.group(1))}]</span>')
        last = match.end()
    parts.append(inert(answer[last:]))
    return f'<div class="cpa-answer">{"".join(parts)}</div>'


@dataclass(frozen=True)
class ViewerSpan:
    """The paragraph to highlight in the viewer and the quote inside it."""

    paragraph_number: int
    quote_start: int = 0
    quote_end: int = 0


def paper_html(paragraphs: Sequence[Paragraph], cited: ViewerSpan | None) -> str:
    """A whole paper as a scrollable box of numbered paragraphs, the cited one
    highlighted (and carrying `CITED_ID`, so a script can scroll it into view)."""
    rows: list[str] = []
    for para in paragraphs:
        classes = ["cpa-para"]
        if para.kind == "heading":
            classes.append("cpa-heading")
        attrs = f'data-paragraph="{int(para.number)}"'
        if cited is not None and para.number == cited.paragraph_number:
            classes.append(CITED_CLASS)
            attrs += f' id="{CITED_ID}"'
            body = highlight(para.text, cited.quote_start, cited.quote_end)
        else:
            body = inert(para.text)
        rows.append(
            f'<p class="{" ".join(classes)}" {attrs}><span class="cpa-num">¶{int(para.number)}</span>{body}</p>'
        )
    return f'<div class="cpa-viewer">{"".join(rows)}</div>'


SCROLL_SCRIPT = f"""<script>
(function () {{
  let tries = 0;
  function go() {{
    const docs = [document];
    try {{ if (window.parent && window.parent.document) docs.push(window.parent.document); }} catch (e) {{}}
    for (const d of docs) {{
      const el = d.getElementById("{CITED_ID}");
      if (el) {{ el.scrollIntoView({{block: "center"}}); return; }}
    }}
    if (tries++ < 40) setTimeout(go, 50);
  }}
  go();
}})();
</script>"""
"""Our own code, no document text: scrolls the cited paragraph into view."""
