"""The data layer: table definitions and read functions returning DataFrames.

Imports neither Streamlit nor the `dashboard` package.
"""
