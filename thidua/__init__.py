"""thidua: durable workflows and declarative criteria for emulation and commendation."""

__version__ = "0.1.0"
