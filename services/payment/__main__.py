"""Run the payment service: `python -m services.payment` (uvicorn on the model's port)."""

from services.kit.run import run

if __name__ == "__main__":
    run("payment", "services.payment.app:create_app")
