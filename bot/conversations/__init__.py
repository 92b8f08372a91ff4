"""The conversation engine: ask people something at a moment, collect structured answers, remind, close, sum up.

A feature plugs in a *kind* (bot.conversations.kinds.Kind); the engine owns series (recurring plans), rounds (one
occurrence), deliveries (one message to one recipient, exactly once), responses and audiences. Nothing here knows
which features exist.
"""
