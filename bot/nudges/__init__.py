"""The nudge engine: scheduled reflection prompts, delivered exactly once, answered in chat."""
