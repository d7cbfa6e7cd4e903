"""The web console for officials (Vietnamese, server-rendered), mounted by the API app."""

from thidua.entrypoints.web.console import mount_console

__all__ = ["mount_console"]
