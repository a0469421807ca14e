"""``/api/v1/me``, ``/api/v1/tokens`` and ``/api/v1/users``: the signed-in user, API tokens, accounts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from keepwise import accounts
from keepwise.store import users as user_store
from keepwise.web.api._common import ERRORS
from keepwise.web.api.schemas import (
    Deleted,
    MeUpdate,
    TokenCreate,
    TokenCreated,
    TokenPublic,
    UserPublic,
)
from keepwise.web.deps import CurrentUser, SessionDep, require_role

router = APIRouter(tags=["accounts"], responses=ERRORS)


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


@router.get("/tokens", response_model=list[TokenPublic], summary="Your API tokens")
def list_tokens(session: SessionDep, user: CurrentUser) -> Any:
    return user_store.list_tokens(session, user)


@router.post("/tokens", response_model=TokenCreated, status_code=201, summary="Create an API token")
def create_token(session: SessionDep, user: CurrentUser, body: TokenCreate) -> Any:
    """Returns the token once; send it as ``Authorization: Bearer kw_...``. Only its SHA-256 is stored."""
    token = accounts.issue_token(session, user, body.name)
    session.commit()
    created = user_store.list_tokens(session, user)[0]
    return {**TokenPublic.model_validate(created).model_dump(), "token": token}


@router.delete(
    "/tokens/{token_id}", response_model=Deleted, summary="Revoke one of your API tokens"
)
def revoke_token(session: SessionDep, user: CurrentUser, token_id: int) -> Any:
    user_store.revoke_token(session, user, token_id)
    session.commit()
    return {"ok": True, "deleted": str(token_id)}


@router.get(
    "/users",
    response_model=list[UserPublic],
    summary="All users (admins and managers)",
    dependencies=[require_role("admin", "manager")],
)
def list_users(session: SessionDep) -> Any:
    return user_store.list_users(session)
