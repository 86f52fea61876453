"""Dated migration scripts, oldest first."""
