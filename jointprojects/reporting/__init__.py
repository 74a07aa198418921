"""Reports and imports wired into the application (issue 5).

The pure workbooks live in the top-level package ``reports/``; this package feeds them from
the database and sends what they build: the cost-split workbook of an arrangement for a
period (page button, ``GET /api/v1/arrangements/<ref>/cost-report.xlsx``, ``jointprojects
report cost-split``) and the imports of expenses and exchange rates from .xlsx/.csv (upload
page with preview and confirmation, ``jointprojects import-expenses``).
"""
