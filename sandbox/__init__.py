"""Espaze's sandbox cluster: a small server that speaks the Kubernetes API and simulates controllers and kubelets.

`python -m sandbox --port N` runs it alone. Espaze starts it when no cluster is configured.
"""
