"""The edge fleet: nodes, heartbeats and their allowance, node rules and tokens, the monitor, the cluster pairing."""
