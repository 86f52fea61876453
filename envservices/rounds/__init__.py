"""Household waste collection: properties and containers, collection calendars, round design, the week's rounds.

Pure functions over the domain's frozen values (domain/waste.py); storage and files stay in services and gis.
"""
