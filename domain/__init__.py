"""Pure domain rules: no I/O, exact numbers. Pages, CLI and exports all call these."""
