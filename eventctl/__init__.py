"""eventctl: the operator CLI of the Event Planner platform."""

__version__ = "0.1.0"
