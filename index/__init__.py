"""citebot's indexing half: documents -> chunks -> embeddings -> Chroma, and retrieval.

Nothing here imports the bot package; front ends see only the small dataclasses in `index.types`.
"""
