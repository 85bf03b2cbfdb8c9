"""Processes of the local environment that are not services: the gateway."""
