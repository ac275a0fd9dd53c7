"""Navigation entries and home-page cards of the marketplace."""
