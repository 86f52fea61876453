"""One screen per user task, each built as `Screen(db, settings_provider, parent=None)` with `.title`,
`.load()` and `.refresh()`: record need (team leader), plan the week (supervisor), compare areas (manager).

Modules are imported by the main window on demand, so nothing heavy loads here.
"""
