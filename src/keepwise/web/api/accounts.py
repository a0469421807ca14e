"""``/api/v1/me`` and ``/api/v1/tokens``: the signed-in user, their password, sessions and API
tokens. Other people's accounts (administrators): :mod:`keepwise.web.api.users`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from keepwise import accounts
from keepwise.accounts import manage, sessions
from keepwise.store import users as user_store
from keepwise.web.api._common import ERRORS
from keepwise.web.api.schemas import (
    Deleted,
    ErrorResponse,
    MeUpdate,
    PasswordChange,
    PasswordChanged,
    SessionPublic,
    SessionsEnded,
    TokenCreate,
    TokenCreated,
    TokenPublic,
    UserPublic,
)
from keepwise.web.deps import CurrentUser, SessionDep, client_ip
from keepwise.web.security import cookie_session

router = APIRouter(tags=["accounts"], responses=ERRORS)

THROTTLED: dict[int | str, dict[str, Any]] = {
    429: {
        "model": ErrorResponse,
        "description": "Too many wrong passwords: wait `Retry-After` seconds.",
    }
}


def _this_session(request: Request) -> str | None:
    """The session token of a cookie-authenticated request (``None`` for API tokens)."""
    if getattr(request.state, "auth", None) != "session":
        return None
    return cookie_session(request).token


@router.get("/me", response_model=UserPublic, summary="The signed-in user")
def me(user: CurrentUser) -> Any:
    return user


@router.patch("/me", response_model=UserPublic, summary="Change your language or display name")
def update_me(session: SessionDep, user: CurrentUser, body: MeUpdate) -> Any:
    if body.display_name is not None:
        user.display_name = body.display_name
    if body.locale is not None:
        user_store.set_locale(session, user, body.locale)
    session.commit()
    return user


@router.put(
    "/me/password",
    response_model=PasswordChanged,
    summary="Change your password",
    responses=THROTTLED,
)
def change_password(
    request: Request, session: SessionDep, user: CurrentUser, body: PasswordChange
) -> Any:
    """Needs the current password (wrong ones count against the login throttle). Your other
    sessions end; this one stays. Your API tokens are revoked unless ``keep_tokens``. A new
    password must pass the policy (length, not a common password): 422 otherwise."""
    return accounts.change_own_password(
        session,
        user,
        body.current_password,
        body.new_password,
        keep_tokens=body.keep_tokens,
        keep_session=_this_session(request),
        ip=client_ip(request),
    )


@router.get("/me/sessions", response_model=list[SessionPublic], summary="Your signed-in sessions")
def list_sessions(request: Request, session: SessionDep, user: CurrentUser) -> Any:
    current = sessions.session_hash(_this_session(request))
    return [
        {**SessionPublic.model_validate(s).model_dump(), "current": s.token_hash == current}
        for s in sessions.live_sessions(session, user)
    ]


@router.delete("/me/sessions", response_model=SessionsEnded, summary="Sign out everywhere else")
def end_other_sessions(request: Request, session: SessionDep, user: CurrentUser) -> Any:
    """End every session of yours but the one this request came with (all of them when the
    request carries an API token)."""
    ended = manage.sign_out_everywhere(
        session, user, user.username, keep_token=_this_session(request), ip=client_ip(request)
    )
    session.commit()
    return {"ok": True, "sessions_ended": ended}


@router.get("/tokens", response_model=list[TokenPublic], summary="Your API tokens")
def list_tokens(session: SessionDep, user: CurrentUser) -> Any:
    return user_store.list_tokens(session, user)


@router.post("/tokens", response_model=TokenCreated, status_code=201, summary="Create an API token")
def create_token(
    request: Request, session: SessionDep, user: CurrentUser, body: TokenCreate
) -> Any:
    """Returns the token once; send it as ``Authorization: Bearer kw_...``. Only its SHA-256 is
    stored. ``expires_in_days`` makes it stop working by itself."""
    token, row = manage.issue_token(
        session, user, body.name, expires_days=body.expires_in_days, ip=client_ip(request)
    )
    session.commit()
    return {**TokenPublic.model_validate(row).model_dump(), "token": token}


@router.delete(
    "/tokens/{token_id}", response_model=Deleted, summary="Revoke one of your API tokens"
)
def revoke_token(request: Request, session: SessionDep, user: CurrentUser, token_id: int) -> Any:
    manage.revoke_token(session, user, user.username, token_id, ip=client_ip(request))
    session.commit()
    return {"ok": True, "deleted": str(token_id)}
