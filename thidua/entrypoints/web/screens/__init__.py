"""The console's screens, one module per screen, each with its own router under ``/console``."""
