"""Hostile comment bodies and names: the security corpus.

Every payload that could run tries to call alert() (a dialog) or set `window.__pwned`;
the browser tests listen for both. Bodies go through the whole pipeline (comment file,
Markdown, nh3, template, feeds); names through the header parser and the template.
"""

from __future__ import annotations

PWN = "window.__pwned=1;alert(1)"

BODIES: list[str] = [
    f"<script>{PWN}</script>",
    f"<SCRIPT SRC=//evil.example/x.js></SCRIPT><script>{PWN}</script>",
    f'<img src=x onerror="{PWN}">',
    f'<svg onload="{PWN}"></svg>',
    f"<svg><script>{PWN}</script></svg>",
    "<math><mtext><table><mglyph><style>"
    f'<img src=x onerror="{PWN}"></style></mglyph></table></mtext></math>',
    f'<iframe src="javascript:{PWN}"></iframe>',
    f'<iframe srcdoc="<script>parent.{PWN}</script>"></iframe>',
    f'<a href="javascript:{PWN}">click me</a>',
    f"[click me](javascript:{PWN})",
    f"[click me](JaVaScRiPt:{PWN})",
    f"[click me]( javascript:{PWN})",
    f"[click me](java\tscript:{PWN})",
    f"[click me](&#106;avascript:{PWN})",
    f"[click me](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;:{PWN})",
    f"[click me](javascript&colon;{PWN})",
    "[click me](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    f'[click me](vbscript:msgbox("{PWN}"))',
    f"<javascript:{PWN}>",
    f'[click me](https://ok.example/" onmouseover="{PWN})',
    f'[click me](https://ok.example/ "title\\" onmouseover=\\"{PWN}")',
    f"[nested [link](javascript:{PWN})](https://ok.example/)",
    f"[![img](x)](javascript:{PWN})",
    f'![x](x" onerror="{PWN})',
    f'<div style="background:url(javascript:{PWN})">styled</div>',
    '<p style="width: expression(alert(1))">IE expression</p>',
    f"<style>@import 'javascript:{PWN}';</style>",
    f'<object data="javascript:{PWN}"></object><embed src="javascript:{PWN}">',
    f'<form action="javascript:{PWN}"><button>go</button></form>',
    f'<input autofocus onfocus="{PWN}">',
    f'<details open ontoggle="{PWN}">x</details>',
    f'<a href="#" onclick="{PWN}">x</a>',
    f'<base href="javascript:{PWN}//">',
    f'<meta http-equiv="refresh" content="0;url=javascript:{PWN}">',
    f"<!--><script>{PWN}</script>-->",
    f"<![CDATA[<script>{PWN}</script>]]>",
    f"<scr<script>ipt>{PWN}</scr</script>ipt>",
    f"&lt;script&gt;{PWN}&lt;/script&gt;",
    f"`<script>{PWN}</script>` and\n\n    <script>{PWN}</script>",
    f'<noscript><p title="</noscript><img src=x onerror={PWN}>"></noscript>',
    f"Bell\x07 null\x00 escape\x1b[31m and DEL\x7f <b onmouseover={PWN}>x</b>",
    f"\u202eevil\u202c reversed \u2066isolate\u2069 <a href='javascript:{PWN}'>x</a>",
    f'{{: onclick="{PWN}" }}\n\nattr_list style',
    f"<x onclick={PWN}>custom element</x>",
]

NAMES: list[str] = [
    f"<script>{PWN}</script>",
    f'"><img src=x onerror="{PWN}">',
    f"Jane\u202e{PWN}",
    "Evil\x00Name\x1b[2J",
    f"<svg/onload={PWN}>",
    f"{{{{ config }}}} {{% raw %}}{PWN}",
]

# Reply-email names: encoded words that decode to CR/LF and headers, or to markup.
ENCODED_FROM: list[str] = [
    "=?utf-8?q?Eve=0D=0ABcc=3A_all=40victims=2Eexample?= <eve@evil.example>",
    "=?utf-8?b?PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==?= <eve@evil.example>",
    "=?utf-8?q?Eve=00=07=1B?= <eve@evil.example>",
    "=?utf-8?q?=E2=80=AEevE?= <eve@evil.example>",
]

URLS: list[str] = [
    f"javascript:{PWN}",
    "JAVASCRIPT:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/path",
    "/relative/path",
    "https://ok.example/\r\nSet-Cookie: x=1",
    'https://ok.example/" onmouseover="alert(1)',
    "http:alert(1)",
]

assert len(BODIES) + len(NAMES) + len(ENCODED_FROM) + len(URLS) >= 30
