"""The event service: the event catalogue and its seat inventory."""
