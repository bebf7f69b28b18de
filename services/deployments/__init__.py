"""Deployments: from a GitHub repository to running pods, with releases, operations and a rollout engine."""
