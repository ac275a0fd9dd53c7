"""API of packages and catalogue editions."""
