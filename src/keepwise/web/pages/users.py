"""``/admin/users``: administrators manage accounts (the page twin of ``/api/v1/users``).

The list shows every user with their role, whether they may sign in, their last sign-in, and
how many sessions and API tokens they hold; a form adds a user. ``/admin/users/{username}``
changes a user's names, role and language, disables or enables them, sets a password (their
sessions end; their API tokens are revoked unless kept), signs them out everywhere and
revokes their tokens. Admins only (403 for anyone else); every change is audited.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from keepwise.accounts import manage
from keepwise.errors import ConflictError, PasswordPolicyError, PermissionDeniedError
from keepwise.models import LOCALES, USER_ROLES, User
from keepwise.settings import get_settings
from keepwise.store import users as user_store
from keepwise.store.sessions import utcnow
from keepwise.web.api.users import user_rows
from keepwise.web.deps import PageUser, SessionDep, client_ip
from keepwise.web.i18n import N_
from keepwise.web.pages._common import render, t
from keepwise.web.pages.account import policy_text

router = APIRouter()

NOTICES = ("created", "updated", "password", "sessions", "token_revoked")


def _admin(user: User) -> User:
    if user.role != "admin":
        raise PermissionDeniedError(f"managing users needs the role admin; you are {user.role}")
    return user


def _user_url(username: str, done: str | None = None) -> str:
    url = f"/admin/users/{quote(username, safe='')}"
    return f"{url}?done={done}" if done else url


def _list_page(
    request: Request, session: SessionDep, user: User, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    done = request.query_params.get("done")
    return render(
        request,
        "pages/users.html",
        user,
        status_code=status_code,
        title=t(request, N_("Users")),
        active="users",
        rows=user_rows(session, user_store.list_users(session)),
        roles=USER_ROLES,
        locales=LOCALES,
        notice=done if done in NOTICES else None,
        now=utcnow(),
        password_min_length=get_settings().password_min_length,
        **context,
    )


def _user_page(
    request: Request,
    session: SessionDep,
    user: User,
    username: str,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    target = user_store.require_user(session, username)
    done = request.query_params.get("done")
    return render(
        request,
        "pages/user.html",
        user,
        status_code=status_code,
        title=target.username,
        active="users",
        target=user_rows(session, [target])[0],
        tokens=user_store.list_tokens(session, target),
        roles=USER_ROLES,
        locales=LOCALES,
        notice=done if done in NOTICES else None,
        now=utcnow(),
        password_min_length=get_settings().password_min_length,
        **context,
    )


@router.get("/admin/users", response_class=HTMLResponse, name="users")
def users_page(request: Request, user: PageUser, session: SessionDep) -> HTMLResponse:
    return _list_page(request, session, _admin(user))


@router.post("/admin/users", name="users_add")
def add_user(
    request: Request,
    user: PageUser,
    session: SessionDep,
    username: Annotated[str, Form(min_length=1, max_length=128)],
    password: Annotated[str, Form(min_length=1, max_length=1024)],
    role: Annotated[str, Form()] = "sales_rep",
    display_name: Annotated[str, Form(max_length=255)] = "",
    email: Annotated[str, Form(max_length=255)] = "",
    locale: Annotated[str, Form()] = "zh_CN",
) -> Response:
    _admin(user)
    try:
        created = manage.add_user(
            session,
            user,
            username,
            password,
            role=role,
            display_name=display_name.strip() or None,
            email=email.strip() or None,
            locale=locale,
            ip=client_ip(request),
        )
    except PasswordPolicyError as exc:
        session.rollback()
        return _list_page(
            request, session, user, status_code=422, form_error=policy_text(request, exc)
        )
    except ConflictError:
        session.rollback()
        message = t(request, N_("A user with this name already exists."))
        return _list_page(request, session, user, status_code=409, form_error=message)
    session.commit()
    return RedirectResponse(_user_url(created.username, "created"), status_code=303)


@router.get("/admin/users/{username}", response_class=HTMLResponse, name="user")
def user_page(request: Request, username: str, user: PageUser, session: SessionDep) -> HTMLResponse:
    return _user_page(request, session, _admin(user), username)


@router.post("/admin/users/{username}", name="user_update")
def update_user(
    request: Request,
    username: str,
    user: PageUser,
    session: SessionDep,
    role: Annotated[str | None, Form()] = None,
    display_name: Annotated[str | None, Form(max_length=255)] = None,
    email: Annotated[str | None, Form(max_length=255)] = None,
    locale: Annotated[str | None, Form()] = None,
    is_active: Annotated[str | None, Form()] = None,
) -> Response:
    """Change names, role, language (one form) or whether the user may sign in (a button)."""
    _admin(user)
    try:
        manage.update_user(
            session,
            user,
            username,
            role=role,
            display_name=display_name,
            email=email,
            locale=locale,
            is_active=None if is_active is None else is_active == "true",
            ip=client_ip(request),
        )
    except ConflictError:
        session.rollback()
        message = t(request, N_("This would leave no active admin: make another user admin first."))
        return _user_page(request, session, user, username, status_code=409, form_error=message)
    session.commit()
    return RedirectResponse(_user_url(username, "updated"), status_code=303)


@router.post("/admin/users/{username}/password", name="user_password")
def set_password(
    request: Request,
    username: str,
    user: PageUser,
    session: SessionDep,
    password: Annotated[str, Form(max_length=1024)] = "",
    confirm_password: Annotated[str, Form(max_length=1024)] = "",
    keep_tokens: Annotated[bool, Form()] = False,
) -> Response:
    _admin(user)
    if password != confirm_password:
        message = t(request, N_("The two new passwords differ."))
        return _user_page(request, session, user, username, status_code=422, password_error=message)
    try:
        manage.set_password(
            session, user, username, password, keep_tokens=keep_tokens, ip=client_ip(request)
        )
    except PasswordPolicyError as exc:
        session.rollback()
        return _user_page(
            request,
            session,
            user,
            username,
            status_code=422,
            password_error=policy_text(request, exc),
        )
    session.commit()
    return RedirectResponse(_user_url(username, "password"), status_code=303)


@router.post("/admin/users/{username}/sign-out", name="user_sign_out")
def sign_out_everywhere(
    request: Request, username: str, user: PageUser, session: SessionDep
) -> Response:
    _admin(user)
    manage.sign_out_everywhere(session, user, username, ip=client_ip(request))
    session.commit()
    return RedirectResponse(_user_url(username, "sessions"), status_code=303)


@router.post("/admin/users/{username}/tokens/{token_id}/revoke", name="user_revoke_token")
def revoke_token(
    request: Request, username: str, token_id: int, user: PageUser, session: SessionDep
) -> Response:
    _admin(user)
    manage.revoke_token(session, user, username, token_id, ip=client_ip(request))
    session.commit()
    return RedirectResponse(_user_url(username, "token_revoked"), status_code=303)
