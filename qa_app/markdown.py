"""The one escaping rule for paper text shown as Markdown: in the app
(`st.markdown`, messages, captions) and in exported briefing notes.

Paper text is data, never markup. Everything a Markdown renderer (or
Streamlit's extensions: `:emoji:`, `:color[…]`, `$math$`) would interpret is
backslash-escaped, so a title like `[Read more](http://…) ![p](http://…/x.png)`
shows as those characters and never becomes a live link or a loaded image.
Dates, figures and URLs stay readable in the raw note.
"""

from __future__ import annotations

import re

_INLINE = re.compile(r"([\\`*_\[\]<>|~$&])")
_SHORTCODE_COLON = re.compile(r":(?=[A-Za-z0-9_+-]+:)")
_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])", re.MULTILINE)


def escape_markdown(text: str) -> str:
    """`text` as Markdown that renders exactly as `text`."""
    text = _INLINE.sub(r"\\\1", text)
    text = _SHORTCODE_COLON.sub(r"\\:", text)
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)
