"""Run the booking service: `python -m services.booking` (uvicorn on the model's port)."""

from services.kit.run import run

if __name__ == "__main__":
    run("booking", "services.booking.app:create_app")
