"""The vendor monthly assessment (DESIGN 4): the month's result, the `kpi` command, sign-off."""
