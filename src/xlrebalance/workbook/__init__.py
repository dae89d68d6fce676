"""workbook layer."""
