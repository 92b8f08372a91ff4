"""Export, forget and retention over every registered contract, each leaving an entry in the audit trail."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Member, Tenant
from bot.privacy import audit
from bot.privacy.contract import ErasePolicy, PersonalData

# The export's documented schema (README, "Export format"); bump on any change of shape.
EXPORT_SCHEMA = "learnbot.export/1"


async def export_document(
    session: AsyncSession, personal_data: PersonalData, member: Member, now: datetime, *, by: str
) -> dict[str, Any]:
    """Everything stored about `member`, as one JSON-able document, and the audit entry saying it was exported."""
    tenant = await session.get(Tenant, member.tenant_id)
    assert tenant is not None
    tables, unlinked = await personal_data.export(session, member)
    await audit.record(session, member.tenant_id, "export", by, now, f"rows: {sum(map(len, tables.values()))}")
    return {
        "schema": EXPORT_SCHEMA,
        "exported_at": now.isoformat(),
        "member": {
            "id": member.id,
            "platform": tenant.platform,
            "team": tenant.external_id,
            "platform_user_id": member.platform_user_id,
            "display_name": member.display_name,
        },
        "tables": {name: rows for name, rows in sorted(tables.items()) if rows},
        "cannot_be_tied_to_you": unlinked,
    }


async def forget(
    session: AsyncSession, personal_data: PersonalData, member: Member, policy: ErasePolicy, now: datetime, *, by: str
) -> int:
    """Erase `member` everywhere; returns the audit entry's number (the reference the member is given)."""
    tenant_id = member.tenant_id
    await session.flush()  # pending changes to the member row go first, so nothing writes it back afterwards
    await personal_data.erase(session, member, policy)
    session.expunge(member)
    kept = "shared learnings kept without author" if policy.keep_shared_learnings else "shared learnings erased"
    return await audit.record(session, tenant_id, "forget", by, now, kept)


class Retention:
    """The housekeeping job: raw answers and notes older than `days` are emptied, counts kept."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], personal_data: PersonalData, days: int) -> None:
        self._sessions = sessions
        self._personal_data = personal_data
        self.days = days

    async def run(self, now: datetime) -> int:
        cutoff = now - timedelta(days=self.days)
        async with self._sessions() as session:
            emptied = await self._personal_data.retain(session, cutoff)
            await audit.prune(session, cutoff)
            if emptied:
                await audit.record(session, None, "retention", "housekeeping", now, f"rows emptied: {emptied}")
            await session.commit()
        return emptied
