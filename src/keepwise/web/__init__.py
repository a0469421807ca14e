"""The keepwise web app: REST API, server-rendered pages, accounts (see ``docs/web.md``).

Use :func:`keepwise.web.app.create_app` for the ASGI app and
:func:`keepwise.web.server.serve` to run it with uvicorn.
"""
