"""Files the tool writes: whole or not at all (``output``), and text that no spreadsheet
will run as a formula (``formula``)."""
