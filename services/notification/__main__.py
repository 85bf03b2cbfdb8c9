"""Run the notification service: `python -m services.notification` (uvicorn on the model's
port; its queue consumers run inside the same process)."""

from services.kit.run import run

if __name__ == "__main__":
    run("notification", "services.notification.app:create_app")
