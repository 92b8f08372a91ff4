"""The pages a Slack admin sees when `/slack/oauth_redirect` cannot finish an installation.

Bolt's stock failure page only names a reason code ("invalid_state"); ours says what happened and what to do,
in the admin's browser language when we speak it, and links back to the install URL.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from slack_bolt.oauth.async_callback_options import AsyncCallbackOptions, AsyncFailureArgs, AsyncSuccessArgs
from slack_bolt.response import BoltResponse

from bot.catalog import Catalog, normalize_language

# Bolt's reason codes -> our catalog keys under [slack_install].
_REASONS = {
    "invalid_state": "expired",
    "invalid_browser": "other_browser",
    "missing_code": "not_confirmed",
    "invalid_code": "not_confirmed",
    "storage_error": "not_saved",
}


def browser_language(accept_language: str | None, default: str) -> str:
    """The first language in an Accept-Language header that we have a catalog for."""
    for part in (accept_language or "").split(","):
        language = normalize_language(part.split(";")[0])
        if language:
            return language
    return default


def failure_page(catalog: Catalog, language: str, reason: str, install_path: str, state_minutes: int) -> str:
    """A small HTML page explaining why the installation did not finish."""
    t = catalog.translator(language)
    # Any other reason arrives as Slack's `error` query parameter: the admin cancelled on Slack's page.
    explanation = t(f"slack_install.{_REASONS.get(reason, 'cancelled')}", minutes=state_minutes)
    title = html.escape(t("slack_install.title"))
    return (
        f'<!DOCTYPE html>\n<html lang="{language}"><head><meta charset="utf-8"><title>{title}</title></head>\n'
        f"<body><h1>{title}</h1>\n<p>{html.escape(explanation)}</p>\n"
        f'<p><a href="{html.escape(install_path)}">{html.escape(t("slack_install.start_again"))}</a></p>\n'
        f"<!-- reason: {html.escape(reason)} --></body></html>\n"
    )


def install_pages(
    catalog: Catalog,
    default_language: str,
    state_minutes: int,
    installed: Callable[[str], None] | None = None,
) -> AsyncCallbackOptions:
    """Bolt callback options: Bolt's own success page (it opens Slack), our failure page. `installed` hears the
    workspace id of each (re)install, so a token read before it is not used after it."""

    async def success(args: AsyncSuccessArgs) -> BoltResponse:
        if installed is not None and args.installation.team_id:
            installed(args.installation.team_id)
        return await args.default.success(args)

    async def failure(args: AsyncFailureArgs) -> BoltResponse:
        accept = args.request.headers.get("accept-language", [None])[0]
        language = browser_language(accept, default_language)
        page = failure_page(catalog, language, args.reason, args.settings.install_path, state_minutes)
        return BoltResponse(
            status=args.suggested_status_code,
            body=page,
            headers={"Content-Type": "text/html; charset=utf-8"},
        )

    return AsyncCallbackOptions(success=success, failure=failure)
