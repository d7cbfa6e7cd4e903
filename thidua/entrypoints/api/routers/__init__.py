"""The /v1 routes, one module per resource, each a module-level ``router`` that takes what it
needs from :mod:`thidua.entrypoints.api.deps`; ``create_app`` includes them in order."""
