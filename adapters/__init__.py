"""Platform adapters: translate payloads, render neutral messages, transport."""
