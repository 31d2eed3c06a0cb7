"""pytest fixtures for the SPCS emulator (registered through the ``pytest11`` entry point)."""
