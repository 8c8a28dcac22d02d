"""Whose account a page is about: the signed-in person's own, or someone they are authorised to act for.

A representative switches to the other person's account (a POST, stored in the session);
every page then reads that person's records and every write records the representative
as the one who acted (services take `acting_user` and `user` separately), so the audit
log says "X on behalf of Y". The authorisation is checked again on every request, so
revoking it takes effect on the representative's next click.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404, HttpRequest

from townhall.accounts import selectors as account_selectors
from townhall.accounts.constants import ACTING_FOR_SESSION_KEY
from townhall.accounts.models import User


@dataclass(frozen=True)
class AccountContext:
    signed_in: User  # at the keyboard: the acting user of every write
    holder: User  # whose account the page shows

    @property
    def on_behalf(self) -> bool:
        return self.signed_in.pk != self.holder.pk


def account_context(request: HttpRequest) -> AccountContext:
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - login_required comes first
        raise Http404("Page not found")
    represented_id = request.session.get(ACTING_FOR_SESSION_KEY)
    if represented_id is not None:
        holder = account_selectors.represented_by(representative=user, represented_id=int(represented_id))
        if holder is not None:
            return AccountContext(signed_in=user, holder=holder)
        del request.session[ACTING_FOR_SESSION_KEY]  # revoked or closed since: back to their own account
    return AccountContext(signed_in=user, holder=user)


def start_acting(request: HttpRequest, *, represented_id: int) -> User | None:
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - login_required comes first
        return None
    holder = account_selectors.represented_by(representative=user, represented_id=represented_id)
    if holder is not None:
        request.session[ACTING_FOR_SESSION_KEY] = holder.pk
    return holder


def stop_acting(request: HttpRequest) -> None:
    request.session.pop(ACTING_FOR_SESSION_KEY, None)
