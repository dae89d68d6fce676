"""The pure engine: no Excel, no files, no network, no printing."""
