"""Run the event service: `python -m services.event` (uvicorn on the model's port)."""

from services.kit.run import run

if __name__ == "__main__":
    run("event", "services.event.app:create_app")
