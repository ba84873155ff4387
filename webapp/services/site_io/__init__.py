"""Import and export of sites as CSV or XLSX: one table format (``format``), documented
in docs/admin.md ("Site import and export format").

The header row names the columns (Chinese headers first, English aliases accepted); each
further row is one site. Import is all-or-nothing: every bad cell is reported as a
``RowError`` (spreadsheet row number, column, reason) and nothing is written unless the
whole file is valid. A site whose code exists is updated, otherwise it is created; both
only within the organisation the import may change (``within``).

Used by ``flask import-sites`` / ``flask export-sites``; a web upload can call
``import_sites`` / ``export_sites`` the same way with ``within=user.org`` after checking
the user's role.

Modules: ``format`` (the columns and errors), ``reading`` (files into rows), ``importing``
and ``exporting``. Import from the module; this file re-exports nothing.
"""
