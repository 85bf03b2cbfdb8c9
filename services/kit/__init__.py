"""What every service shares: settings, storage, tokens, messaging, audit, logs, health."""
