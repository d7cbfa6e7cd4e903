"""The web console for officials (Vietnamese, server-rendered), mounted by the API app."""

from thidua.web.console import mount_console

__all__ = ["mount_console"]
