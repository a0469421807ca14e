"""``/account``: your own password, signed-in sessions and API tokens (everyone).

The API twins are ``PUT /api/v1/me/password``, ``GET/DELETE /api/v1/me/sessions`` and
``/api/v1/tokens``. After a change the browser is sent back to the page with ``?done=...``
(a notice the template translates), except for a new token, which is shown once on the page
that answers the form.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from keepwise import accounts
from keepwise.accounts import manage, sessions
from keepwise.errors import AuthenticationError, PasswordPolicyError, TooManyAttemptsError
from keepwise.models import User
from keepwise.settings import get_settings
from keepwise.store import users as user_store
from keepwise.store.sessions import utcnow
from keepwise.web.deps import PageUser, SessionDep, client_ip
from keepwise.web.i18n import N_
from keepwise.web.pages._common import render, t
from keepwise.web.security import cookie_session

router = APIRouter()

#: ``?done=`` codes the page shows a notice for.
NOTICES = ("password", "sessions", "token_revoked")
TOKEN_DAYS = (30, 90, 365)


def _page(
    request: Request,
    session: SessionDep,
    user: User,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    current = sessions.session_hash(cookie_session(request).token)
    live = sessions.live_sessions(session, user)
    done = request.query_params.get("done")
    return render(
        request,
        "pages/account.html",
        user,
        status_code=status_code,
        title=t(request, N_("Your account")),
        active="account",
        notice=done if done in NOTICES else None,
        now=utcnow(),
        password_min_length=get_settings().password_min_length,
        sessions=[{"row": s, "current": s.token_hash == current} for s in live],
        tokens=user_store.list_tokens(session, user),
        token_days=TOKEN_DAYS,
        **context,
    )


def policy_text(request: Request, exc: PasswordPolicyError) -> str:
    """The policy's complaint in the page's language."""
    return exc.message.render(getattr(request.state, "locale", None))


@router.get("/account", response_class=HTMLResponse, name="account")
def account_page(request: Request, user: PageUser, session: SessionDep) -> HTMLResponse:
    return _page(request, session, user)


@router.post("/account/password", name="account_password")
def change_password(
    request: Request,
    user: PageUser,
    session: SessionDep,
    current_password: Annotated[str, Form(max_length=1024)] = "",
    new_password: Annotated[str, Form(max_length=1024)] = "",
    confirm_password: Annotated[str, Form(max_length=1024)] = "",
    keep_tokens: Annotated[bool, Form()] = False,
) -> Response:
    """Change your password; your other sessions end (this one stays)."""
    error: str | None = None
    status = 422
    headers: dict[str, str] | None = None
    if new_password != confirm_password:
        error = t(request, N_("The two new passwords differ."))
    else:
        try:
            accounts.change_own_password(
                session,
                user,
                current_password,
                new_password,
                keep_tokens=keep_tokens,
                keep_session=cookie_session(request).token,
                ip=client_ip(request),
            )
        except TooManyAttemptsError as exc:
            error = t(request, N_("Too many wrong passwords. Try again later."))
            status, headers = 429, {"Retry-After": str(exc.retry_after_seconds)}
        except AuthenticationError:
            error, status = t(request, N_("The current password is wrong.")), 401
        except PasswordPolicyError as exc:
            error = policy_text(request, exc)
    if error is not None:
        response = _page(request, session, user, status_code=status, password_error=error)
        if headers:
            response.headers.update(headers)
        return response
    return RedirectResponse("/account?done=password", status_code=303)


@router.post("/account/sessions/end-others", name="account_end_sessions")
def end_other_sessions(request: Request, user: PageUser, session: SessionDep) -> Response:
    """Sign out everywhere else."""
    manage.sign_out_everywhere(
        session,
        user,
        user.username,
        keep_token=cookie_session(request).token,
        ip=client_ip(request),
    )
    session.commit()
    return RedirectResponse("/account?done=sessions", status_code=303)


@router.post("/account/tokens", response_class=HTMLResponse, name="account_new_token")
def create_token(
    request: Request,
    user: PageUser,
    session: SessionDep,
    name: Annotated[str, Form(min_length=1, max_length=128)] = "api",
    expires_days: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Create an API token and show it, this once."""
    days = int(expires_days) if expires_days.isdigit() else None
    token, row = manage.issue_token(
        session, user, name.strip() or "api", expires_days=days, ip=client_ip(request)
    )
    session.commit()
    return _page(request, session, user, new_token=token, new_token_row=row)


@router.post("/account/tokens/{token_id}/revoke", name="account_revoke_token")
def revoke_token(request: Request, token_id: int, user: PageUser, session: SessionDep) -> Response:
    manage.revoke_token(session, user, user.username, token_id, ip=client_ip(request))
    session.commit()
    return RedirectResponse("/account?done=token_revoked", status_code=303)
