"""Signals the attendance app sends (listeners: the monitoring app). Sent after the transaction commits."""

from django.dispatch import Signal

# A sighting made a new presence. kwargs: presence (Presence), camera (Camera or None), distance (float or None).
presence_marked = Signal()

# A new absence alert about a student (a streak of absent school days, or frequency below the minimum), after the
# commit that recorded it; once per notice. kwargs: notice (AbsenceNotice).
absence_noticed = Signal()
