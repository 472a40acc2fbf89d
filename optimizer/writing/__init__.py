"""The output workbook (atomic, formula-safe, styled), the template and the shipped example."""
