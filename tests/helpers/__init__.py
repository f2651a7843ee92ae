"""Data and helpers that tests in more than one folder share: test modules never import
each other, only these (and a folder's own helper modules, such as tests/static/caregiving.py)."""
