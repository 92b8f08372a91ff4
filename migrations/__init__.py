"""Alembic migrations for learnbot's database (run them with `learnbot db upgrade`)."""
