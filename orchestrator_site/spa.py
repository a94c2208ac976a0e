"""The dashboard's index.html for every client route (never cached: it names the hashed assets)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_safe

_MISSING = """<!doctype html><html><head><meta charset="utf-8"><title>Orchestrator</title></head>
<body><h1>Orchestrator</h1><p>The dashboard has not been built yet. Run <code>make run</code>
(or <code>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</code>) and reload.
The API is at <a href="/api/schema/docs/">/api/schema/docs/</a>.</p></body></html>"""


@require_safe
@ensure_csrf_cookie
def index(request: HttpRequest) -> HttpResponse:
    index_file = settings.FRONTEND_DIST / "index.html"
    try:
        html = index_file.read_text(encoding="utf-8")
    except FileNotFoundError:
        html = _MISSING
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-cache, no-store, must-revalidate"
    return response
