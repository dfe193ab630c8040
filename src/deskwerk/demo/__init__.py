"""The demo: a fictional Stuttgart engineering company with spaces, people and bookings.

``deskwerk demo`` seeds it (see ``seed.py``) and serves it; floor plans are drawn by
``floorplan.py``.
"""
