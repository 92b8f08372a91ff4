"""Prompt catalogs: one TOML file per language holding every string learnbot says (see bot/catalog.py)."""
