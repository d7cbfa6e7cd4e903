"""Tabular I/O: lists of nominations read from and written to files (.xlsx, .csv, .jsonl), and
the what-if report as a spreadsheet (``whatif_xlsx``).

``readers`` turns a file into raw rows for the bulk use cases (``thidua.app.bulk``) to validate;
``layout`` is the flat column layout those files share; ``export`` writes nominations out.
``org`` reads and writes the organisation's tables (units, staff, council, ratings) as .xlsx
sheets or one-table .csv files.
"""

from thidua.adapters.tabular.export import EXPORT_HEADER, export_rows
from thidua.adapters.tabular.readers import BulkFileError, read_bytes, read_file

__all__ = ["EXPORT_HEADER", "BulkFileError", "export_rows", "read_bytes", "read_file"]
