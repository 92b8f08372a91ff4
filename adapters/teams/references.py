"""Stored ConversationReference JSON back into botbuilder's model, and the activity a proactive turn runs on.

Every proactive send rebuilds the reference of its conversation from `ConversationRef.raw`. msrest's generic
`ConversationReference().deserialize` costs about 90 µs a call (the most expensive thing the adapter itself did in
a fan-out, see benchmarks/teams_fanout.py); the reference is three small models of strings and booleans, so we
call their constructors, reading exactly the JSON keys msrest reads (botbuilder's `_attribute_map`, so a key it
spells differently, such as `tenantID`, is treated the same way). Anything else — a value of an unexpected type,
an `object` field — falls back to msrest, which stays the single definition of what the JSON means.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botbuilder.schema import (
    ChannelAccount,
    ConversationAccount,
    ConversationReference,
)

_NESTED: dict[str, type[Any]] = {"ChannelAccount": ChannelAccount, "ConversationAccount": ConversationAccount}
_SCALARS: dict[str, type] = {"str": str, "bool": bool}


class _Unusual(Exception):
    """The JSON holds something only msrest's deserializer knows how to read."""


def _known_keys(model: type[Any]) -> frozenset[str]:
    return frozenset(spec["key"] for spec in model._attribute_map.values())


_KNOWN = {model: _known_keys(model) for model in (ConversationReference, ChannelAccount, ConversationAccount)}


def _build(model: type[Any], data: Mapping[str, Any]) -> Any:
    arguments: dict[str, Any] = {}
    for attribute, spec in model._attribute_map.items():
        value = data.get(spec["key"])
        if value is None:
            continue
        kind = spec["type"]
        if kind in _SCALARS and type(value) is _SCALARS[kind]:
            arguments[attribute] = value
        elif kind in _NESTED and isinstance(value, Mapping):
            arguments[attribute] = _build(_NESTED[kind], value)
        else:
            raise _Unusual(attribute)
    instance = model(**arguments)
    # msrest keeps keys it does not know (such as `tenantId`) aside; they are never sent.
    instance.additional_properties = {key: data[key] for key in data.keys() - _KNOWN[model]}
    return instance


def conversation_reference(raw: Mapping[str, Any]) -> ConversationReference:
    """The botbuilder ConversationReference that `raw` (its serialized JSON) describes; a fresh object each call,
    so callers may change it (as a channel thread reply does with the conversation id)."""
    try:
        reference: ConversationReference = _build(ConversationReference, raw)
    except _Unusual:
        reference = ConversationReference().deserialize(dict(raw))
    return reference
