"""API of achievements, needs, their matches, subscriptions and deals."""
