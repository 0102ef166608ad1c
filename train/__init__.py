"""Training data and fitting for the answer ranker (bot/ranker.py); see docs/answer-quality.md."""
