"""Public pages without login (一公开): plans with their seed commitment, the draw, results."""
