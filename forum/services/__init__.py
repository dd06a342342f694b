"""Domain logic as typed functions. Services flush and raise domain errors; views commit."""
