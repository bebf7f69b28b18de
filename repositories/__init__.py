"""MongoDB access, one module per collection; pymongo stays inside this package."""
