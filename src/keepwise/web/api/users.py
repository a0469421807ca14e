"""``/api/v1/users``: accounts as administrators manage them (the API twin of ``/admin/users``).

Admins and managers may list and read users; only admins change them: create, change role,
names or language, disable and enable, set a password, sign out everywhere, and list and revoke
API tokens. Every change is audited. There is always one active admin left (409 otherwise).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from keepwise.accounts import manage, sessions
from keepwise.models import User
from keepwise.store import users as user_store
from keepwise.web.api._common import ERRORS
from keepwise.web.api.schemas import (
    Deleted,
    ErrorResponse,
    PasswordChanged,
    PasswordSet,
    SessionsEnded,
    TokenPublic,
    UserAdmin,
    UserCreate,
    UserUpdate,
)
from keepwise.web.deps import SessionDep, client_ip, require_role

ADMIN = require_role("admin")
READERS = require_role("admin", "manager")
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {
        "model": ErrorResponse,
        "description": "The name is taken, or the change would leave no active admin.",
    }
}

router = APIRouter(prefix="/users", tags=["users"], responses=ERRORS)


def user_rows(session: Session, users: list[User]) -> list[dict[str, Any]]:
    """Users with their live session and token counts (what :class:`UserAdmin` shows)."""
    session_counts = sessions.live_session_counts(session)
    token_counts = user_store.active_token_counts(session)
    return [
        {
            **UserAdmin.model_validate(user).model_dump(),
            "sessions": session_counts.get(user.id, 0),
            "tokens": token_counts.get(user.id, 0),
        }
        for user in users
    ]


@router.get(
    "",
    response_model=list[UserAdmin],
    summary="All users (admins and managers)",
    dependencies=[READERS],
)
def list_users(session: SessionDep) -> Any:
    return user_rows(session, user_store.list_users(session))


@router.post(
    "",
    response_model=UserAdmin,
    status_code=201,
    summary="Add a user (admins)",
    responses=CONFLICT,
)
def create_user(
    request: Request, session: SessionDep, body: UserCreate, actor: User = ADMIN
) -> Any:
    """The password must pass the policy (422 otherwise); 409 when the name is taken."""
    user = manage.add_user(
        session,
        actor,
        body.username,
        body.password,
        role=body.role,
        display_name=body.display_name,
        email=body.email,
        locale=body.locale,
        ip=client_ip(request),
    )
    session.commit()
    return user_rows(session, [user])[0]


@router.get(
    "/{username}",
    response_model=UserAdmin,
    summary="One user (admins and managers)",
    dependencies=[READERS],
)
def read_user(session: SessionDep, username: str) -> Any:
    return user_rows(session, [user_store.require_user(session, username)])[0]


@router.patch(
    "/{username}", response_model=UserAdmin, summary="Change a user (admins)", responses=CONFLICT
)
def update_user(
    request: Request, session: SessionDep, username: str, body: UserUpdate, actor: User = ADMIN
) -> Any:
    user = manage.update_user(
        session,
        actor,
        username,
        role=body.role,
        display_name=body.display_name,
        email=body.email,
        locale=body.locale,
        is_active=body.is_active,
        ip=client_ip(request),
    )
    session.commit()
    return user_rows(session, [user])[0]


@router.put(
    "/{username}/password", response_model=PasswordChanged, summary="Set a user's password (admins)"
)
def set_password(
    request: Request, session: SessionDep, username: str, body: PasswordSet, actor: User = ADMIN
) -> Any:
    """Their sessions end; their API tokens are revoked unless ``keep_tokens``."""
    result = manage.set_password(
        session, actor, username, body.password, keep_tokens=body.keep_tokens, ip=client_ip(request)
    )
    session.commit()
    return {"ok": True, **result}


@router.delete(
    "/{username}/sessions",
    response_model=SessionsEnded,
    summary="Sign a user out everywhere (admins)",
)
def sign_out_everywhere(
    request: Request, session: SessionDep, username: str, actor: User = ADMIN
) -> Any:
    ended = manage.sign_out_everywhere(session, actor, username, ip=client_ip(request))
    session.commit()
    return {"ok": True, "sessions_ended": ended}


@router.get(
    "/{username}/tokens", response_model=list[TokenPublic], summary="A user's API tokens (admins)"
)
def list_tokens(session: SessionDep, username: str, actor: User = ADMIN) -> Any:
    return user_store.list_tokens(session, user_store.require_user(session, username))


@router.delete(
    "/{username}/tokens/{token_id}",
    response_model=Deleted,
    summary="Revoke a user's API token (admins)",
)
def revoke_token(
    request: Request, session: SessionDep, username: str, token_id: int, actor: User = ADMIN
) -> Any:
    manage.revoke_token(session, actor, username, token_id, ip=client_ip(request))
    session.commit()
    return {"ok": True, "deleted": str(token_id)}
