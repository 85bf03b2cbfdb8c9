"""The five Event Planner services and the kit they share."""

__version__ = "0.1.0"
