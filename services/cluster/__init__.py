"""The cluster layer: Kubernetes through the official client, for any cluster it can reach (or the sandbox)."""
