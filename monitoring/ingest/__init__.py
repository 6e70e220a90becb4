"""What other systems tell Chamada: Frigate's face recognitions (``frigate.py``), taken in as sightings."""
