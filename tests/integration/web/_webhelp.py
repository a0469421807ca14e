"""Helpers shared by the web tests: the test password and logging in through the form."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

PASSWORD = "correct horse battery"


def csrf_from(client: TestClient) -> str:
    """The CSRF token of the client's session (from the login page's hidden field)."""
    html = client.get("/login").text
    match = re.search(r'name="csrf_token"\s+value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"\s+name="csrf_token"', html
    )
    assert match, "the login page has no csrf_token field"
    return match.group(1)


def login(client: TestClient, username: str, password: str, next_url: str = "/") -> object:
    token = csrf_from(client)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": next_url},
        follow_redirects=False,
    )
