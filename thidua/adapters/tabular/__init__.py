"""Tabular files: spreadsheets (.xlsx) and delimited text written and read for officials."""
