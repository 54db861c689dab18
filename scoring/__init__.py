"""Scoring: pure functions from recordings to signals and scores; models load in scoring.models."""
