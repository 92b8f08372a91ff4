"""Slack: Bolt mounted on learnbot's aiohttp server, translating to and from the neutral model."""
