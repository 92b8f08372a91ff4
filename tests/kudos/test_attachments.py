"""A message's files go out right after it through the notifier's send_file; a file that fails does not fail (and
so does not repeat) the message that was already sent."""

from __future__ import annotations

from bot.model import OutboundFile, OutboundMessage, SentRef
from bot.ports import DeliveryError, Notifier
from tests.support import ROOM, RecordingAdapter

CHART = OutboundFile("chart.png", b"\x89PNG...", "Chart", "image/png")


class FailingFiles(RecordingAdapter):
    async def send_file(self, conversation: object, file: OutboundFile) -> SentRef:
        raise DeliveryError("upload refused")


async def test_files_follow_their_message_once_and_a_failed_file_keeps_the_message_sent() -> None:
    adapter = RecordingAdapter()
    notifier = Notifier({adapter.platform: adapter})
    sent = await notifier.send(ROOM, OutboundMessage(text="digest", files=(CHART,)))
    assert sent.id == "m1" and [file for _, file in adapter.files] == [CHART]
    failing = FailingFiles()
    notifier = Notifier({failing.platform: failing})
    sent = await notifier.send(ROOM, OutboundMessage(text="digest", files=(CHART,)))
    assert sent.id == "m1" and [message.text for _, message in failing.sent] == ["digest"]
