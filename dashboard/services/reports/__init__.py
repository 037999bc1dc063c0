"""Formatted XLSX reports (openpyxl): daily/weekly/monthly/topic, stand-up, acceptance pack."""
