"""The offers database (SQLAlchemy)."""
