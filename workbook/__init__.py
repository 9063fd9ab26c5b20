"""The Rotation Desk workbook, built from code with openpyxl, and its refresh."""
