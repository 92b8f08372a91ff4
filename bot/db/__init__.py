"""Storage: typed SQLAlchemy models, engine/session factory and migrations."""
