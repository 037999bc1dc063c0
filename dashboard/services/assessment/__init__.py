"""The vendor monthly assessment (docs/assessment.md): the month's result, the `kpi` command, sign-off."""
