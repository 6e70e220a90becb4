"""Signals the cameras app sends about what its cameras see (listeners: the monitoring app)."""

from django.dispatch import Signal

# A tracked face stayed unknown for a whole decision window during a lesson; sent once per track, after the
# processor's writes commit. kwargs: camera (Camera), lesson (Lesson), track_id,
# track_key (unique across the processor's runs), seen_at, crop_jpeg, box (top,
# right, bottom, left in the frame's pixels), frame_size (width, height), best_distance (float or None).
unknown_face_seen = Signal()

# A tracked face stayed inside one of the camera's watched zones (its "analytics" settings) while the zone was
# active; sent once per track and zone. kwargs: camera (Camera), zone_id (str), track_id,
# track_key (unique across the processor's runs), student_id (int, or None while the face is unknown), seen_at,
# crop_jpeg (the face), box (top, right, bottom, left in the frame's pixels), frame_size (width, height).
zone_intrusion_seen = Signal()
