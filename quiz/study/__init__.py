"""Studying: the session queue, grading, choices, scheduling, scores, the optimizer."""
