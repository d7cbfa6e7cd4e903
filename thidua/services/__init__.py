"""The service layer: the API, the CLI and the activities call these same functions."""
