"""The deck: YAML text -> validated deck model (event tree, loader, schema, catalog, cache)."""
