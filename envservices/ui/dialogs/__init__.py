"""Dialogs: connecting to a database, the council's settings, and urgent work added mid-week."""
