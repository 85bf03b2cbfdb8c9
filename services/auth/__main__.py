"""Run the auth service: `python -m services.auth` (uvicorn on the model's port)."""

from services.kit.run import run

if __name__ == "__main__":
    run("auth", "services.auth.app:create_app")
