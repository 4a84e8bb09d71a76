"""Domain rules as plain functions over models/: no chat, no HTTP. Chat, CLI and jobs all call these."""
