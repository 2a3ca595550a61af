"""The HTTP API Lambda: thin Powertools handler (handler.py, routes.py) over plain logic modules."""
