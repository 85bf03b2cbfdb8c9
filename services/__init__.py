"""The Event Planner backend: Starlette services on a shared kit (`services.kit`)."""
