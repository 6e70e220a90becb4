"""Signals the attendance app sends (listeners: the monitoring app). Sent after the transaction commits."""

from django.dispatch import Signal

# A sighting made a new presence. kwargs: presence (Presence), camera (Camera or None), distance (float or None).
presence_marked = Signal()
