"""Temporal: the only place outside workflows and activities that talks to it."""
