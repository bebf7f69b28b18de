"""What every use case leans on: telemetry, job leases, rate limits, the secret box."""
