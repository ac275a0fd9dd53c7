"""Navigation entries and home-page cards of the subsidies app."""
