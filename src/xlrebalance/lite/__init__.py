"""Excel on Mac and the web: the xlwings Lite template (``xlrebalance new --lite``).

xlwings Lite runs Python inside Excel (Pyodide, in the add-in) on Windows, Mac and the web.
The template is the same workbook as the desktop one without macros, its function formulas
stored in the form Office.js custom functions take in a file, plus the ``main.py`` and
``requirements.txt`` to paste into the Lite editor.

- ``quotes``: quotes fetched in the browser from the Settings' Quote URL (pure parsing and an
  injected async fetch, so it is tested here and runs there);
- ``script``: what main.py's scripts do in the open workbook (refresh prices, write formulas);
- ``template``: writes the workbook, main.py and requirements.txt.
"""
