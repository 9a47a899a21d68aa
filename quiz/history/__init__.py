"""The history: the store, its migrations, and the figures of `quiz stats`."""
