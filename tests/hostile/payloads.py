"""The hostile-input corpus: XSS payloads, each with a short label (used as the test id).

Drawn from the usual sources of sanitiser bypasses (OWASP filter evasion cheat sheet, the
DOMPurify and bleach issue trackers, mutation-XSS write-ups): javascript:/data:/vbscript: links in
Markdown and HTML with case, entity, whitespace and control-character tricks; Markdown link,
image and reference tricks; raw dangerous tags; SVG/MathML and the namespace-confusion mXSS;
attribute injection aimed at templates; autolink tricks; CSS; template-injection strings that must
show literally; unicode tricks; a very long attribute. No payload holds a 13-digit number (the
patient-data guard would refuse it before any rendering) nor a NUL byte.
"""
from __future__ import annotations

from typing import NamedTuple


class Payload(NamedTuple):
    label: str
    text: str


LONG_TITLE = "A" * 1900  # the whole payload fits a livrable note (2,000 characters)

PAYLOADS: tuple[Payload, ...] = (
    # --- javascript:, data:, vbscript: links (Markdown) -----------------------------------------
    Payload("md-javascript-link", "[clic](javascript:alert(1))"),
    Payload("md-javascript-mixed-case", "[clic](JaVaScRiPt:alert(1))"),
    Payload("md-javascript-decimal-entity", "[clic](&#106;avascript:alert(1))"),
    Payload("md-javascript-hex-entities", "[clic](&#x6A;&#x61;&#x76;&#x61;script&#x3A;alert(1))"),
    Payload("md-javascript-tab", "[clic](java\tscript:alert(1))"),
    Payload("md-javascript-encoded-newline", "[clic](java&#10;script:alert(1))"),
    Payload("md-javascript-leading-control", "[clic](\x0b\x01 javascript:alert(1))"),
    Payload("md-javascript-angle-destination", "[clic](<javascript:alert(1)>)"),
    Payload("md-data-html-link", "[clic](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"),
    Payload("md-vbscript-link", "[clic](vbscript:msgbox(1))"),
    # --- Markdown images, references, titles, brackets -------------------------------------------
    Payload("md-image-javascript", "![x](javascript:alert(1))"),
    Payload("md-image-data-svg", "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)"),
    Payload("md-reference-link", "[clic][r]\n\n[r]: javascript:alert(1)"),
    Payload("md-reference-image", "![x][r]\n\n[r]: javascript:alert(1) \"titre\""),
    Payload("md-title-quote-breakout", '[a](http://x "\\" onmouseover=alert(1)")'),
    Payload("md-title-single-quote", "[a](http://x 'x' onmouseover='alert(1)')"),
    Payload("md-nested-brackets", "[[clic](javascript:alert(1))](http://example.com)"),
    Payload("md-link-text-html", "[<img src=x onerror=alert(1)>](http://example.com)"),
    Payload("md-code-fence-script", "```html\n<script>alert(1)</script>\n```"),
    Payload("md-html-block", "<div>\n<script>alert(1)</script>\n</div>"),
    # --- javascript:, data:, vbscript: links (HTML) ------------------------------------------------
    Payload("html-a-javascript", '<a href="javascript:alert(1)">clic</a>'),
    Payload("html-a-javascript-entity", '<a href="&#106;avascript:alert(1)">clic</a>'),
    Payload("html-a-javascript-tab", '<a href="java\tscript:alert(1)">clic</a>'),
    Payload("html-a-javascript-leading-controls", '<a href=" \x01\x0c javascript:alert(1)">clic</a>'),
    Payload("html-a-javascript-unquoted-case", "<A HREF=JAVASCRIPT:alert(1)>clic</A>"),
    Payload("html-a-data", '<a href="data:text/html,<script>alert(1)</script>">clic</a>'),
    Payload("html-a-vbscript", '<a href="vbscript:msgbox(1)">clic</a>'),
    Payload("html-a-protocol-relative", '<a href="//evil.example/x" target="_blank">clic</a>'),
    # --- raw dangerous tags ------------------------------------------------------------------------
    Payload("html-script", "<script>alert(1)</script>"),
    Payload("html-script-uppercase-split", "<SCRIPT>alert(1)</SCRIPT><scr<script>ipt>alert(1)</script>"),
    Payload("html-img-onerror", "<img src=x onerror=alert(1)>"),
    Payload("html-img-unclosed", "<img src=x onerror=alert(1)//"),
    Payload("html-img-srcset", '<img srcset="javascript:alert(1)" src="x">'),
    Payload("html-iframe", '<iframe src="javascript:alert(1)"></iframe>'),
    Payload("html-iframe-srcdoc", '<iframe srcdoc="<script>alert(1)</script>"></iframe>'),
    Payload("html-object", '<object data="javascript:alert(1)"></object>'),
    Payload("html-embed", '<embed src="data:text/html,<script>alert(1)</script>">'),
    Payload("html-style", '<style>body{background:url("javascript:alert(1)")}</style>'),
    Payload("html-link-stylesheet", '<link rel="stylesheet" href="http://evil.example/x.css">'),
    Payload("html-meta-refresh", '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'),
    Payload("html-form-action", '<form action="javascript:alert(1)"><button>Envoyer</button></form>'),
    Payload("html-button-formaction", '<button formaction="javascript:alert(1)">Envoyer</button>'),
    Payload("html-base", '<base href="http://evil.example/">'),
    Payload("html-details-ontoggle", "<details open ontoggle=alert(1)><summary>x</summary></details>"),
    Payload("html-input-autofocus", "<input autofocus onfocus=alert(1)>"),
    # --- SVG and MathML --------------------------------------------------------------------------------
    Payload("svg-onload", "<svg onload=alert(1)>"),
    Payload("svg-script", "<svg><script>alert(1)</script></svg>"),
    Payload("svg-animate-href", "<svg><a><animate attributeName=href values=javascript:alert(1) />"
                                "<text x=20 y=20>clic</text></a></svg>"),
    Payload("svg-xlink-href", '<svg><a xlink:href="javascript:alert(1)"><text>clic</text></a></svg>'),
    Payload("math-mxss-mglyph-style", "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"),
    Payload("math-href", '<math href="javascript:alert(1)">clic</math>'),
    Payload("noscript-title-mxss", '<noscript><p title="</noscript><img src=x onerror=alert(1)>">'),
    # --- attribute injection and breakouts aimed at templates --------------------------------
    Payload("attr-double-quote-onfocus", '" onfocus=alert(1) autofocus x="'),
    Payload("attr-single-quote-onmouseover", "' onmouseover='alert(1)' x='"),
    Payload("breakout-title-script", "</title><script>alert(1)</script>"),
    Payload("breakout-textarea-script", "</textarea><script>alert(1)</script>"),
    Payload("breakout-comment", "--><script>alert(1)</script><!--"),
    # --- entity obfuscation --------------------------------------------------------------------------
    Payload("entity-escaped-script", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    Payload("entity-decimal-img", "&#60;img src=x onerror=alert(1)&#62;"),
    Payload("entity-no-semicolon", '<a href="&#0000106&#0000097vascript:alert(1)">clic</a>'),
    # --- autolinks ---------------------------------------------------------------------------------------
    Payload("autolink-javascript", "<javascript:alert(1)>"),
    Payload("autolink-www-quote", 'www.example.com/"onmouseover="alert(1)'),
    Payload("autolink-http-breakout", 'http://example.com/"><script>alert(1)</script>'),
    # --- CSS -------------------------------------------------------------------------------------------------
    Payload("css-expression", '<div style="width: expression(alert(1))">x</div>'),
    Payload("css-url-javascript", '<p style="background:url(javascript:alert(1))">x</p>'),
    # --- template injection: must show literally --------------------------------------------
    Payload("template-jinja-expression", "{{7*7}}"),
    Payload("template-jinja-config", "{{ config.SECRET_KEY }}"),
    Payload("template-jinja-statement", "{% print 7*7 %}"),
    Payload("template-dollar-hash", "${7*7} #{7*7}"),
    # --- unicode tricks ------------------------------------------------------------------------------------
    Payload("unicode-rtl-override", "[\u202egnp.exe](javascript:alert(1)) \u202eexe.txt"),
    Payload("unicode-zero-width-scheme", "[clic](java\u200bscript:alert(1)) <a href=\"jav&#x200b;ascript:alert(1)\">x</a>"),
    Payload("unicode-fullwidth-brackets", "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e"),
    # --- size ---------------------------------------------------------------------------------------------------
    Payload("long-attribute", f'<a href="http://example.com/" title="{LONG_TITLE}" onclick=alert(1)>clic</a>'),
)

# Payloads whose text must appear literally (Jinja and other template syntaxes are never evaluated).
TEMPLATE_LABELS = frozenset(p.label for p in PAYLOADS if p.label.startswith("template-"))
