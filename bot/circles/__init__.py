"""Learning circles: members matched into pairs or small groups each round (bot/circles/matching.py)."""
