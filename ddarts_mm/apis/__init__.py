"""Entry points behind the thin scripts of ``tools/``."""
