"""The Slack adapter's personal-data contract. Installations hold no member text, but they do hold the installing
member's Slack user id (and a user token when one was granted): forget-me blanks those and keeps the bot's
token, so the workspace keeps working. Pending forms name nobody and expire after a week."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import ColumnElement, MetaData, Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.slack.pending_forms import KEEP_FOR
from adapters.slack.store_tables import INSTALLATIONS_TABLE, PENDING_FORMS_TABLE, slack_metadata
from bot.privacy.contract import ErasePolicy, PersonalDataContract, Rows, TableUse
from bot.privacy.rows import rows

_METADATA: MetaData = slack_metadata()
_INSTALLATIONS: Table = _METADATA.tables[INSTALLATIONS_TABLE]
_PENDING_FORMS: Table = _METADATA.tables[PENDING_FORMS_TABLE]
_SECRET_COLUMNS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")


class _Member(Protocol):
    """What the contract needs of a member: an adapter reads no core table."""

    @property
    def platform_user_id(self) -> str: ...


def _installed_by(member: _Member) -> ColumnElement[bool]:
    # Slack user ids (U…, W… on Enterprise Grid) are never a Teams or terminal member's id.
    return _INSTALLATIONS.c.user_id == member.platform_user_id


async def export(session: AsyncSession, member: _Member) -> dict[str, Rows]:
    found = await rows(session, _INSTALLATIONS, _installed_by(member))
    # Tokens are credentials of the workspace, not data about the member: never handed out.
    return {INSTALLATIONS_TABLE: [{k: v for k, v in row.items() if k not in _SECRET_COLUMNS} for row in found]}


async def erase(session: AsyncSession, member: _Member, policy: ErasePolicy) -> None:
    await session.execute(
        update(_INSTALLATIONS)
        .where(_installed_by(member))
        .values(user_id="", user_token=None, user_scopes=None, user_refresh_token=None, user_token_expires_at=None)
    )


async def unlinked(session: AsyncSession, member: _Member) -> list[str]:
    """Forms waiting behind a button name nobody, but may hold text someone was about to save."""
    waiting = await session.scalar(select(func.count()).select_from(_PENDING_FORMS)) or 0
    if not waiting:
        return []
    return [f"{waiting} Slack forms waiting for a button press (deleted after {KEEP_FOR.days} days), tied to no one"]


CONTRACT = PersonalDataContract(
    feature="slack",
    tables=(
        TableUse(INSTALLATIONS_TABLE, ("user_id",), "anonymise"),
        TableUse(PENDING_FORMS_TABLE, (), "keep-unlinked"),
    ),
    export=export,
    erase=erase,
    unlinked=unlinked,
)
