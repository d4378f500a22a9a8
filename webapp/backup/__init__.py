"""Backups of the whole database, and restoring one: SQLite files and PostgreSQL dumps."""
