"""The monitors: plain classes whose ``tick()`` takes one sample and publishes what changed.

``host.HostMonitor`` (load, memory, disks), ``camera.CameraMonitor`` (is each enabled camera sending?) and
``serial.SerialMonitor`` (do the ESP32 boards on serial lines still say they are alive?). ``runner.MonitorRunner``
runs them: the host monitor in every process that runs monitors, the others in exactly one process of the school
(under a lease). They run from ``manage.py run_monitors`` or, embedded, inside the web process (``embedded.py``).
Alerts leave only through ``monitoring.services.publish.publish``.
"""
