"""Entry points: the HTTP API, the web console, the CLI, the worker and the supervisor."""
