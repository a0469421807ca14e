"""``/api/v1/docs``: Swagger UI served from the files shipped with keepwise.

Nothing comes from a CDN (FastAPI's default docs page loads Swagger UI from one and starts it
with an inline script, which the Content-Security-Policy forbids): the bundle, its CSS and the
script that starts it (``static/js/api-docs.js``) are all in ``keepwise/web/static``, so the
page works on a network without internet access.
"""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from keepwise.web.security import CSRF_HEADER, request_csrf_token

SWAGGER_UI_VERSION = "5.35.0"
SWAGGER_JS = f"/static/vendor/swagger-ui-{SWAGGER_UI_VERSION}-bundle.js"
SWAGGER_CSS = f"/static/vendor/swagger-ui-{SWAGGER_UI_VERSION}.css"
START_JS = "/static/js/api-docs.js"


def docs_router(openapi_url: str, docs_url: str) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get(docs_url, response_class=HTMLResponse)
    def api_docs(request: Request) -> HTMLResponse:
        csrf = escape(request_csrf_token(request))
        body = f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>keepwise API</title>
  <meta name="csrf-token" content="{csrf}">
  <meta name="csrf-header" content="{CSRF_HEADER}">
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="{SWAGGER_CSS}">
</head>
<body>
  <div id="swagger-ui" data-openapi-url="{escape(openapi_url)}"></div>
  <script src="{SWAGGER_JS}"></script>
  <script src="{START_JS}"></script>
</body>
</html>
"""
        return HTMLResponse(body)

    return router
