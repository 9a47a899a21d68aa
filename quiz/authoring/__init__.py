"""Writing decks: a new deck's scaffold (`scaffold`), a card appended without
disturbing the file (`edit`), cards in and out of CSV/TSV (`tables`) and Anki
(`anki`), drafts from a news article (`generate`); what they share: `deckfile`.
Every file is written atomically (`quiz.fileio`).
"""
